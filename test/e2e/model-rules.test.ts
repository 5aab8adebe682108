/**
 * Issue 16, item 5: model rules. Through each provider's real SDK, JSON and stream, the upstream
 * receives the model the first matching rule names (in the body, or in Gemini's path) and the
 * client's model when a condition fails (tools declared, too long a prompt, another provider);
 * the row keeps the requested and the used model, and the cost is the used model's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxy, createProxyFetch, type Proxy, type ProxyConfig } from '../../src/index.js';
import { sampleValue } from '../helpers/metrics.js';
import { tableRates, usd } from '../helpers/prices.js';
import { onlyRow, rejection } from '../helpers/proxy.js';
import { type ScriptedAnthropic, startAnthropicUpstream } from '../upstream/anthropic.js';
import { type ScriptedGemini, startGeminiUpstream } from '../upstream/gemini.js';
import { type ScriptedOllama, startOllamaUpstream } from '../upstream/ollama.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

let openai: ScriptedOpenAI;
let anthropic: ScriptedAnthropic;
let gemini: ScriptedGemini;
let ollama: ScriptedOllama;
let proxy: Proxy;
let dir: string;
let sessions = 0;

const MODEL_RULES: ProxyConfig['modelRules'] = [
  { id: 'small-openai', when: { provider: 'openai', model: ['gpt-4o', 'gpt-4.1'], maxPromptTokens: 50, noTools: true }, use: 'gpt-4o-mini' },
  { id: 'haiku', when: { provider: 'anthropic', model: 'claude-sonnet-4*' }, use: 'claude-3-5-haiku-20241022' },
  { id: 'flash-lite', when: { provider: 'gemini', model: 'gemini-2.5-pro' }, use: 'gemini-2.5-flash-lite' },
  { id: 'small-llama', when: { provider: 'ollama', model: 'llama3.1:70b' }, use: 'llama3.2:3b' },
];

function providers() {
  return { openai: { baseUrl: openai.baseUrl }, vllm: { baseUrl: openai.baseUrl }, anthropic: { baseUrl: anthropic.url }, gemini: { baseUrl: gemini.url }, ollama: { baseUrl: ollama.url } };
}

beforeAll(async () => {
  [openai, anthropic, gemini, ollama] = await Promise.all([startOpenAIUpstream(), startAnthropicUpstream(), startGeminiUpstream(), startOllamaUpstream()]);
  dir = mkdtempSync(join(tmpdir(), 'archestra-model-rules-'));
  proxy = createProxy({ providers: providers(), modelRules: MODEL_RULES });
});
afterAll(async () => {
  await proxy.close();
  await Promise.all([openai, anthropic, gemini, ollama].map((up) => up.close()));
  rmSync(dir, { recursive: true, force: true });
});

const session = () => ({ sessionId: `model-rules-${++sessions}` });
/** In process at the upstream's URL, or (with `mount`, e.g. `/vllm`) at the proxy's own path. */
function openaiClient(ids: { sessionId: string }, mount?: string): OpenAI {
  if (mount === undefined) return new OpenAI({ apiKey: 'sk-test-model-rules-0123', baseURL: openai.baseUrl, maxRetries: 0, fetch: createProxyFetch(proxy, ids) });
  const viaMount = (input: string | URL | Request, init?: RequestInit) => proxy.handle(new Request(input, init));
  return new OpenAI({ apiKey: 'sk-test-model-rules-0123', baseURL: `http://proxy${mount}`, maxRetries: 0, fetch: viaMount, defaultHeaders: { 'x-archestra-session-id': ids.sessionId } });
}
const tools: OpenAI.Chat.ChatCompletionTool[] = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }];

describe.each([{ stream: false }, { stream: true }])('stream: $stream', ({ stream }) => {
  async function chat(ids: { sessionId: string }, params: { model: string; content: string; tools?: OpenAI.Chat.ChatCompletionTool[] }, mount?: string) {
    openai.reply({ kind: 'chat', content: 'ok', usage: { prompt_tokens: 1_000, completion_tokens: 200 } });
    const body = { model: params.model, messages: [{ role: 'user' as const, content: params.content }], ...(params.tools ? { tools: params.tools } : {}) };
    if (stream) for await (const chunk of await openaiClient(ids, mount).chat.completions.create({ ...body, stream: true })) void chunk;
    else await openaiClient(ids, mount).chat.completions.create(body);
    return { sent: openai.requests.at(-1)!.json, row: await onlyRow(proxy, ids) };
  }

  it('OpenAI Chat: a short prompt without tools goes upstream for the rule\'s model; the row has both models and the used model\'s cost', async () => {
    const ids = session();
    const { sent, row } = await chat(ids, { model: 'gpt-4o', content: 'hi' });
    expect(sent.model).toBe('gpt-4o-mini');
    expect(row).toMatchObject({ model: 'gpt-4o-mini', requestedModel: 'gpt-4o', status: 200 });
    const mini = tableRates('openai', 'gpt-4o-mini');
    expect(row.costUsd).toBeCloseTo(usd([1_000, mini.input], [200, mini.output]), 12);
    expect(row.decisions).toEqual(expect.arrayContaining([{ kind: 'model_rule', ruleId: 'small-openai', requested: 'gpt-4o', used: 'gpt-4o-mini' }]));
  });

  it('OpenAI Chat: declared tools, a prompt over maxPromptTokens, or another model keep the client\'s model (and its price)', async () => {
    const withTools = await chat(session(), { model: 'gpt-4o', content: 'hi', tools });
    expect(withTools.sent.model).toBe('gpt-4o');
    expect(withTools.row).toMatchObject({ model: 'gpt-4o', requestedModel: 'gpt-4o' });
    const full = tableRates('openai', 'gpt-4o');
    expect(withTools.row.costUsd).toBeCloseTo(usd([1_000, full.input], [200, full.output]), 12);
    // 51 tokens at 4 characters a token: just over the rule's 50.
    const long = await chat(session(), { model: 'gpt-4o', content: 'x'.repeat(204) });
    expect(long.sent.model).toBe('gpt-4o');
    const exactly = await chat(session(), { model: 'gpt-4o', content: 'x'.repeat(200) });
    expect(exactly.sent.model).toBe('gpt-4o-mini');
    const other = await chat(session(), { model: 'o3-mini', content: 'hi' });
    expect(other.sent.model).toBe('o3-mini');
    expect(other.row.decisions ?? []).not.toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'model_rule' })]));
  });

  it('vLLM (OpenAI\'s wire format under another provider name) is not matched by a rule for provider openai', async () => {
    const { sent, row } = await chat(session(), { model: 'gpt-4o', content: 'hi' }, '/vllm');
    expect(sent.model).toBe('gpt-4o');
    expect(row).toMatchObject({ provider: 'vllm', model: 'gpt-4o', requestedModel: 'gpt-4o' });
  });

  it('OpenAI Responses: rewritten in the body like Chat', async () => {
    const ids = session();
    openai.reply({ kind: 'responses', content: 'ok' });
    if (stream) for await (const event of await openaiClient(ids).responses.create({ model: 'gpt-4.1', input: 'hi', stream: true })) void event;
    else await openaiClient(ids).responses.create({ model: 'gpt-4.1', input: 'hi' });
    expect(openai.requests.at(-1)!.json.model).toBe('gpt-4o-mini');
    expect(await onlyRow(proxy, ids)).toMatchObject({ model: 'gpt-4o-mini', requestedModel: 'gpt-4.1' });
  });

  it('Anthropic Messages: the body\'s model is rewritten; the cost is the used model\'s', async () => {
    const ids = session();
    anthropic.reply({ kind: 'message', text: 'ok', usage: { input_tokens: 1_000, output_tokens: 100 } });
    const client = new Anthropic({ apiKey: 'sk-ant-test-model-rules-0123', baseURL: anthropic.url, maxRetries: 0, fetch: createProxyFetch(proxy, ids) });
    const request = { model: 'claude-sonnet-4-20250514', max_tokens: 256, messages: [{ role: 'user' as const, content: 'hi' }] };
    if (stream) for await (const event of await client.messages.create({ ...request, stream: true })) void event;
    else await client.messages.create(request);
    expect(anthropic.requests.at(-1)!.json.model).toBe('claude-3-5-haiku-20241022');
    const row = await onlyRow(proxy, ids);
    expect(row).toMatchObject({ model: 'claude-3-5-haiku-20241022', requestedModel: 'claude-sonnet-4-20250514' });
    const haiku = tableRates('anthropic', 'claude-3-5-haiku-20241022');
    expect(row.costUsd).toBeCloseTo(usd([1_000, haiku.input], [100, haiku.output]), 12);
  });

  it('Gemini: the model is in the path, so the path is rewritten (the body is forwarded as sent)', async () => {
    const ids = session();
    gemini.reply({ kind: 'generate', text: 'ok', usage: { prompt: 1_000, candidates: 100 } });
    const client = new GoogleGenAI({ apiKey: 'AIza-test-model-rules-0123', httpOptions: { baseUrl: gemini.url, fetch: createProxyFetch(proxy, ids) } });
    if (stream) for await (const chunk of await client.models.generateContentStream({ model: 'gemini-2.5-pro', contents: 'hi' })) void chunk;
    else await client.models.generateContent({ model: 'gemini-2.5-pro', contents: 'hi' });
    const sent = gemini.requests.at(-1)!;
    expect(sent.path.replace(/%3A/gi, ':')).toMatch(stream ? /^\/v1beta\/models\/gemini-2\.5-flash-lite:streamGenerateContent\?alt=sse$/ : /^\/v1beta\/models\/gemini-2\.5-flash-lite:generateContent$/);
    const row = await onlyRow(proxy, ids);
    expect(row).toMatchObject({ model: 'gemini-2.5-flash-lite', requestedModel: 'gemini-2.5-pro' });
    const lite = tableRates('google', 'gemini-2.5-flash-lite');
    expect(row.costUsd).toBeCloseTo(usd([1_000, lite.input], [100, lite.output]), 12);
  });

  it('Ollama (native /api/chat): the body\'s model is rewritten', async () => {
    const ids = session();
    ollama.reply({ kind: 'answer', content: 'ok' });
    const client = new Ollama({ host: ollama.url, fetch: createProxyFetch(proxy, ids) });
    const messages = [{ role: 'user', content: 'hi' }];
    if (stream) for await (const part of await client.chat({ model: 'llama3.1:70b', messages, stream: true })) void part;
    else await client.chat({ model: 'llama3.1:70b', messages });
    expect(ollama.requests.at(-1)!.json.model).toBe('llama3.2:3b');
    expect(await onlyRow(proxy, ids)).toMatchObject({ model: 'llama3.2:3b', requestedModel: 'llama3.1:70b' });
  });
});

describe('where the rules apply and what they feed', () => {
  it('embeddings are never rewritten, even when a rule matches their model', async () => {
    const own = createProxy({ providers: providers(), modelRules: [{ when: { model: 'text-embedding-3-large' }, use: 'text-embedding-3-small' }] });
    try {
      const ids = session();
      openai.reply({ kind: 'embeddings' });
      await new OpenAI({ apiKey: 'sk-test-model-rules-0123', baseURL: openai.baseUrl, maxRetries: 0, fetch: createProxyFetch(own, ids) }).embeddings.create({ model: 'text-embedding-3-large', input: 'hi' });
      expect(openai.requests.at(-1)!.json.model).toBe('text-embedding-3-large');
    } finally {
      await own.close();
    }
  });

  it('a profile\'s rules replace the top-level ones; llm_model_rewrites_total counts by rule', async () => {
    const own = createProxy({ providers: providers(), modelRules: MODEL_RULES, profiles: { cheap: { modelRules: [{ id: 'all-to-nano', use: 'gpt-4.1-nano' }] } } });
    try {
      const client = new OpenAI({ apiKey: 'sk-test-model-rules-0123', baseURL: 'http://proxy/openai/cheap', maxRetries: 0, fetch: (input, init) => own.handle(new Request(input, init)) });
      openai.reply({ kind: 'chat', content: 'ok' });
      await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(1_000) }], tools });
      expect(openai.requests.at(-1)!.json.model).toBe('gpt-4.1-nano');
      expect(sampleValue(await own.registry.metrics(), 'llm_model_rewrites_total', { provider: 'openai', rule: 'all-to-nano' })).toBe(1);
    } finally {
      await own.close();
    }
  });

  it('a budget with a model glob counts the used model: a rewritten request is refused by the small model\'s budget', async () => {
    const own = createProxy({
      providers: providers(),
      modelRules: MODEL_RULES,
      limits: { budgets: [{ id: 'mini-tokens', scope: 'profile', model: 'gpt-4o-mini', tokens: 10, window: { rolling: '1h' } }] },
    });
    try {
      const client = new OpenAI({ apiKey: 'sk-test-model-rules-0123', baseURL: openai.baseUrl, maxRetries: 0, fetch: createProxyFetch(own) });
      const error = await rejection(client.chat.completions.create({ model: 'gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }));
      expect(error).toMatchObject({ status: 402 });
      expect(String(error)).toContain('mini-tokens');
    } finally {
      await own.close();
    }
  });

  it('a SQLite file keeps the requested model beside the used one (a migration adds the column)', async () => {
    const file = join(dir, 'rules.sqlite');
    const own = createProxy({ providers: providers(), modelRules: MODEL_RULES, store: file });
    const ids = session();
    openai.reply({ kind: 'chat', content: 'ok' });
    await new OpenAI({ apiKey: 'sk-test-model-rules-0123', baseURL: openai.baseUrl, maxRetries: 0, fetch: createProxyFetch(own, ids) }).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    await own.close();
    const reopened = createProxy({ store: file });
    try {
      expect(await onlyRow(reopened, ids)).toMatchObject({ model: 'gpt-4o-mini', requestedModel: 'gpt-4o' });
    } finally {
      await reopened.close();
    }
  });

  it('a rule whose model is not a plain name, or two rules with one id, are config errors naming the field', async () => {
    const bad = (modelRules: unknown) => rejection(Promise.resolve().then(() => createProxy({ modelRules } as ProxyConfig)));
    expect(String(await bad([{ use: 'http://evil.test/v1' }]))).toMatch(/modelRules\.0\.use/);
    expect(String(await bad([{ when: { maxPromptTokens: -1 }, use: 'gpt-4o-mini' }]))).toMatch(/modelRules\.0\.when\.maxPromptTokens/);
    expect(String(await bad([{ id: 'a', use: 'm1' }, { id: 'a', use: 'm2' }]))).toMatch(/modelRules\.1\.id/);
    expect(String(await bad([{ when: { tools: false }, use: 'm' }]))).toMatch(/modelRules\.0\.when\.tools/);
  });
});
