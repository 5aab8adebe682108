/**
 * The dual-LLM quarantine in every other wire format, end to end with each real SDK: the email
 * marked `sanitize` never reaches the main model (JSON and stream), the proxy's own calls speak the
 * provider's format, and the agent still gets its answer.
 */
import Anthropic from '@anthropic-ai/sdk';
import { type Content, GoogleGenAI } from '@google/genai';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { type Proxy, type ProxyConfig, createProxyFetch } from '../../src/index.js';
import { clearAnthropicEnv, MODEL as CLAUDE } from '../helpers/anthropic-way-in.js';
import { INJECTION, brainReply, roleOf } from '../helpers/dual-llm-brain.js';
import { clearGeminiEnv } from '../helpers/gemini-way-in.js';
import { auditRows, suiteProxies } from '../helpers/proxy.js';
import type { RecordedRequest } from '../upstream/scripted-server.js';
import { startAnthropicUpstream } from '../upstream/anthropic.js';
import { startGeminiUpstream } from '../upstream/gemini.js';
import { startOllamaUpstream } from '../upstream/ollama.js';
import { startOpenAIUpstream } from '../upstream/openai.js';

const policies: ProxyConfig['policies'] = { trustedData: [{ tool: 'read_email', action: 'sanitize' }] };
const USER = 'Summarise my latest email.';
const STAND_IN = 'Summary of the answers: yes; the customer list.';
const ANSWER = 'Your email asks for the customer list; I will not send it.';

/** What every format must show: the agent's turn carries the stand-in, never the email; the quarantined calls read it. */
function expectQuarantined(requests: RecordedRequest[], systemOf: (req: RecordedRequest) => string) {
  const agent = requests.filter((req) => roleOf(systemOf(req)) === 'agent');
  expect(agent).toHaveLength(1);
  expect(agent[0]!.body).toContain(STAND_IN);
  expect(agent[0]!.body).not.toContain('attacker@evil.test');
  const answers = requests.filter((req) => roleOf(systemOf(req)) === 'answer');
  expect(answers).toHaveLength(2);
  for (const req of answers) expect(req.body).toContain('attacker@evil.test');
  for (const req of requests.filter((r) => ['question', 'summary'].includes(roleOf(systemOf(r))))) expect(req.body).not.toContain('attacker@evil.test');
  return agent[0]!;
}

async function expectDecision(proxy: Proxy) {
  const decisions = (await auditRows(proxy)).flatMap((row) => row.decisions ?? []);
  expect(decisions).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'dual_llm', outcome: 'sanitized', tool: 'read_email' })]));
  expect(decisions.filter((decision) => decision.kind === 'dual_llm_call')).toHaveLength(6);
}

describe('dual-LLM quarantine, Anthropic Messages', async () => {
  const restoreEnv = clearAnthropicEnv();
  const up = await startAnthropicUpstream();
  const systemOf = (req: RecordedRequest) => String(req.json?.system ?? '');
  up.reply((req) => ({ kind: 'message', text: brainReply(systemOf(req), String(req.json?.messages?.at(-1)?.content ?? '')) ?? ANSWER }));
  const proxies = suiteProxies(() => up.close(), restoreEnv);
  const clientFor = () => {
    const proxy = proxies.create({ providers: { anthropic: { baseUrl: up.url } }, policies });
    return { proxy, client: new Anthropic({ apiKey: 'sk-ant-api03-dual-llm', fetch: createProxyFetch(proxy), maxRetries: 0 }) };
  };
  const request = (): Anthropic.MessageCreateParamsNonStreaming => ({
    model: CLAUDE,
    max_tokens: 256,
    system: 'You are an email assistant.',
    tools: [{ name: 'read_email', input_schema: { type: 'object', properties: { id: { type: 'string' } } } }],
    messages: [
      { role: 'user', content: USER },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_read', name: 'read_email', input: { id: '42' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_read', content: [{ type: 'text', text: INJECTION }] }] },
    ],
  });
  afterEach(() => void up.requests.splice(0));

  it('JSON', async () => {
    const { proxy, client } = clientFor();
    const message = await client.messages.create(request());
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: ANSWER })]);
    const agent = expectQuarantined(up.requests, systemOf);
    expect(agent.json.messages[2].content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_read', content: expect.stringContaining(STAND_IN) });
    const own = up.requests.find((req) => roleOf(systemOf(req)) === 'answer');
    expect(own?.path).toBe('/v1/messages');
    expect(own?.headers['x-api-key']).toBe('sk-ant-api03-dual-llm');
    expect(own?.json).toMatchObject({ model: CLAUDE, max_tokens: expect.any(Number) });
    await expectDecision(proxy);
  });

  it('stream', async () => {
    const { client } = clientFor();
    const final = await client.messages.stream(request()).finalMessage();
    expect(final.content).toEqual([expect.objectContaining({ type: 'text', text: ANSWER })]);
    expectQuarantined(up.requests, systemOf);
  });
});

describe('dual-LLM quarantine, Gemini generateContent', async () => {
  const restoreEnv = clearGeminiEnv();
  const up = await startGeminiUpstream();
  const systemOf = (req: RecordedRequest) => String(req.json?.systemInstruction?.parts?.[0]?.text ?? '');
  up.reply((req) => ({ kind: 'generate', text: brainReply(systemOf(req), String(req.json?.contents?.at(-1)?.parts?.[0]?.text ?? '')) ?? ANSWER }));
  const proxies = suiteProxies(() => up.close(), restoreEnv);
  const clientFor = () => {
    const proxy = proxies.create({ providers: { gemini: { baseUrl: up.url } }, policies });
    return { proxy, client: new GoogleGenAI({ apiKey: 'AIzaSyDualLlmTestKey-000', httpOptions: { fetch: createProxyFetch(proxy) } }) };
  };
  const contents: Content[] = [
    { role: 'user', parts: [{ text: USER }] },
    { role: 'model', parts: [{ functionCall: { id: 'call_read', name: 'read_email', args: { id: '42' } } }] },
    { role: 'user', parts: [{ functionResponse: { id: 'call_read', name: 'read_email', response: { output: INJECTION } } }] },
  ];
  const config = { systemInstruction: 'You are an email assistant.', tools: [{ functionDeclarations: [{ name: 'read_email' }] }] };
  afterEach(() => void up.requests.splice(0));

  it('JSON', async () => {
    const { proxy, client } = clientFor();
    const response = await client.models.generateContent({ model: 'gemini-2.5-flash', contents, config });
    expect(response.text).toBe(ANSWER);
    const agent = expectQuarantined(up.requests, systemOf);
    expect(agent.json.contents[2].parts[0].functionResponse.response).toEqual({ output: expect.stringContaining(STAND_IN) });
    const own = up.requests.find((req) => roleOf(systemOf(req)) === 'answer');
    expect(own?.path).toMatch(/^\/v1beta\/models\/gemini-2\.5-flash:generateContent/);
    expect(own?.json.generationConfig).toEqual({ responseMimeType: 'application/json' });
    await expectDecision(proxy);
  });

  it('stream', async () => {
    const { client } = clientFor();
    let text = '';
    for await (const chunk of await client.models.generateContentStream({ model: 'gemini-2.5-flash', contents, config })) text += chunk.text ?? '';
    expect(text).toBe(ANSWER);
    expectQuarantined(up.requests, systemOf);
  });
});

describe('dual-LLM quarantine, Ollama /api/chat', async () => {
  const up = await startOllamaUpstream();
  const systemOf = (req: RecordedRequest) => String(req.json?.messages?.[0]?.content ?? '');
  up.reply((req) => ({ kind: 'answer', content: brainReply(systemOf(req), String(req.json?.messages?.at(-1)?.content ?? '')) ?? ANSWER }));
  const proxies = suiteProxies(() => up.close());
  const clientFor = () => {
    const proxy = proxies.create({ providers: { ollama: { baseUrl: up.url } }, policies });
    return { proxy, client: new Ollama({ host: up.url, fetch: createProxyFetch(proxy) }) };
  };
  const messages = [
    { role: 'system', content: 'You are an email assistant.' },
    { role: 'user', content: USER },
    { role: 'assistant', content: '', tool_calls: [{ function: { name: 'read_email', arguments: { id: '42' } } }] },
    { role: 'tool', tool_name: 'read_email', content: INJECTION },
  ];
  const tools = [{ type: 'function', function: { name: 'read_email', parameters: { type: 'object', properties: { id: { type: 'string' } } } } }];
  afterEach(() => void up.requests.splice(0));

  it('JSON', async () => {
    const { proxy, client } = clientFor();
    const response = await client.chat({ model: 'llama3.1:8b', messages, tools, stream: false });
    expect(response.message.content).toBe(ANSWER);
    const agent = expectQuarantined(up.requests, systemOf);
    expect(agent.json.messages[3].content).toContain(STAND_IN);
    const own = up.requests.find((req) => roleOf(systemOf(req)) === 'answer');
    expect(own?.path).toBe('/api/chat');
    expect(own?.json).toMatchObject({ stream: false, format: { type: 'object', required: ['answer'] } });
    await expectDecision(proxy);
  });

  it('stream', async () => {
    const { client } = clientFor();
    let content = '';
    for await (const part of await client.chat({ model: 'llama3.1:8b', messages, tools, stream: true })) content += part.message.content;
    expect(content).toBe(ANSWER);
    expectQuarantined(up.requests, systemOf);
  });
});

describe('dual-LLM quarantine, OpenAI Responses', async () => {
  const up = await startOpenAIUpstream();
  // The agent speaks Responses (`instructions`); the proxy's own calls speak Chat Completions.
  const systemOf = (req: RecordedRequest) => String(req.json?.instructions ?? req.json?.messages?.[0]?.content ?? '');
  up.reply((req) => ({ kind: 'chat', content: brainReply(systemOf(req), String(req.json?.messages?.at(-1)?.content ?? '')) ?? ANSWER }));
  const proxies = suiteProxies(() => up.close());
  const clientFor = () => {
    const proxy = proxies.create({ providers: { openai: { baseUrl: up.baseUrl } }, policies });
    return { proxy, client: new OpenAI({ apiKey: 'sk-test', fetch: createProxyFetch(proxy), maxRetries: 0 }) };
  };
  const body = {
    model: 'gpt-4o-mini',
    instructions: 'You are an email assistant.',
    tools: [{ type: 'function' as const, name: 'read_email', parameters: { type: 'object', properties: { id: { type: 'string' } } }, strict: false }],
    input: [
      { role: 'user' as const, content: USER },
      { type: 'function_call' as const, call_id: 'call_read', name: 'read_email', arguments: '{"id":"42"}' },
      { type: 'function_call_output' as const, call_id: 'call_read', output: INJECTION },
    ],
  };
  afterEach(() => void up.requests.splice(0));

  it('JSON', async () => {
    const { proxy, client } = clientFor();
    const response = await client.responses.create(body);
    expect(response.output_text).toBe(ANSWER);
    const agent = expectQuarantined(up.requests, systemOf);
    expect(agent.path).toBe('/v1/responses');
    expect(agent.json.input[2]).toMatchObject({ type: 'function_call_output', call_id: 'call_read', output: expect.stringContaining(STAND_IN) });
    expect(up.requests.filter((req) => req.path === '/v1/chat/completions')).toHaveLength(6);
    await expectDecision(proxy);
  });

  it('stream', async () => {
    const { client } = clientFor();
    const final = await client.responses.stream(body).finalResponse();
    expect(final.output_text).toBe(ANSWER);
    expectQuarantined(up.requests, systemOf);
  });
});
