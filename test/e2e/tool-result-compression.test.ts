/**
 * Issue 16, item 5: tool-result compression. With `compression.toolResults: 'toon'`, a tool result
 * whose text is JSON goes upstream in TOON when that is shorter, through each provider's real SDK
 * (JSON and stream); a result whose TOON form is longer, and one that is not JSON, go unchanged;
 * the tokens saved are on the row and in `llm_compressed_tokens_saved_total`. Off by default.
 */
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxy, createProxyFetch, type Proxy } from '../../src/index.js';
import { sampleValue } from '../helpers/metrics.js';
import { onlyRow } from '../helpers/proxy.js';
import { type ScriptedAnthropic, startAnthropicUpstream } from '../upstream/anthropic.js';
import { type ScriptedGemini, startGeminiUpstream } from '../upstream/gemini.js';
import { type ScriptedOllama, startOllamaUpstream } from '../upstream/ollama.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

/** A uniform table: TOON writes it as one header and a row per object, much shorter. */
const TABLE = JSON.stringify({ users: [{ id: 1, name: 'Ada', role: 'admin' }, { id: 2, name: 'Bob', role: 'user' }, { id: 3, name: 'Cy', role: 'user' }] });
const TABLE_TOON = 'users[3]{id,name,role}:\n  1,Ada,admin\n  2,Bob,user\n  3,Cy,user';
/** Deeply nested and small: its TOON (one indented line per level) is longer than the JSON. */
const NESTED = JSON.stringify({ a: { b: { c: { d: { e: 1 } } } } });
const PLAIN = 'The meeting moved to 3pm.';
/** Tokens saved by compressing `tables` tables in one request: the characters saved over 4. */
const saved = (tables: number) => Math.round((tables * (TABLE.length - TABLE_TOON.length)) / 4);

let openai: ScriptedOpenAI;
let anthropic: ScriptedAnthropic;
let gemini: ScriptedGemini;
let ollama: ScriptedOllama;
let proxy: Proxy;
let plainProxy: Proxy;
let sessions = 0;

beforeAll(async () => {
  [openai, anthropic, gemini, ollama] = await Promise.all([startOpenAIUpstream(), startAnthropicUpstream(), startGeminiUpstream(), startOllamaUpstream()]);
  const providers = { openai: { baseUrl: openai.baseUrl }, anthropic: { baseUrl: anthropic.url }, gemini: { baseUrl: gemini.url }, ollama: { baseUrl: ollama.url } };
  proxy = createProxy({ providers, compression: { toolResults: 'toon' } });
  plainProxy = createProxy({ providers });
});
afterAll(async () => {
  await Promise.all([proxy.close(), plainProxy.close()]);
  await Promise.all([openai, anthropic, gemini, ollama].map((up) => up.close()));
});

const session = () => ({ sessionId: `toon-${++sessions}` });

describe.each([{ stream: false }, { stream: true }])('stream: $stream', ({ stream }) => {
  function chatMessages(): OpenAI.Chat.ChatCompletionMessageParam[] {
    const call = (id: string) => ({ id, type: 'function' as const, function: { name: 'lookup', arguments: '{}' } });
    return [
      { role: 'user', content: 'Who are the users?' },
      { role: 'assistant', content: null, tool_calls: [call('c1'), call('c2'), call('c3'), call('c4')] },
      { role: 'tool', tool_call_id: 'c1', content: TABLE },
      { role: 'tool', tool_call_id: 'c2', content: NESTED },
      { role: 'tool', tool_call_id: 'c3', content: PLAIN },
      { role: 'tool', tool_call_id: 'c4', content: [{ type: 'text', text: TABLE }] },
    ];
  }

  async function chatThrough(on: Proxy) {
    const ids = session();
    openai.reply({ kind: 'chat', content: 'ok' });
    const client = new OpenAI({ apiKey: 'sk-test-toon-0123456789', baseURL: openai.baseUrl, maxRetries: 0, fetch: createProxyFetch(on, ids) });
    const params = { model: 'gpt-4o-mini', messages: chatMessages() };
    if (stream) for await (const chunk of await client.chat.completions.create({ ...params, stream: true })) void chunk;
    else await client.chat.completions.create(params);
    return { sent: openai.requests.at(-1)!.json, row: await onlyRow(on, ids) };
  }

  it('OpenAI Chat: a JSON table goes as TOON (string content and text parts); a nested small object and plain text go unchanged; tokens saved recorded', async () => {
    const { sent, row } = await chatThrough(proxy);
    const tools = sent.messages.filter((message: { role: string }) => message.role === 'tool');
    expect(tools.map((message: { content: unknown }) => message.content)).toEqual([TABLE_TOON, NESTED, PLAIN, [{ type: 'text', text: TABLE_TOON }]]);
    expect(row.compressedTokensSaved).toBe(saved(2));
    // The audit row keeps the request as the client sent it.
    expect(row.requestBody).toContain(JSON.stringify(TABLE).slice(1, -1));
  });

  it('off by default: the same request goes upstream as it came, with nothing recorded', async () => {
    const { sent, row } = await chatThrough(plainProxy);
    expect(sent.messages[2].content).toBe(TABLE);
    expect(row.compressedTokensSaved).toBeNull();
  });

  it('OpenAI Responses: a function_call_output whose text is JSON goes as TOON', async () => {
    const ids = session();
    openai.reply({ kind: 'responses', content: 'ok' });
    const client = new OpenAI({ apiKey: 'sk-test-toon-0123456789', baseURL: openai.baseUrl, maxRetries: 0, fetch: createProxyFetch(proxy, ids) });
    const input: OpenAI.Responses.ResponseInput = [
      { role: 'user', content: 'Who are the users?' },
      { type: 'function_call', call_id: 'c1', name: 'lookup', arguments: '{}' },
      { type: 'function_call_output', call_id: 'c1', output: TABLE },
      { type: 'function_call', call_id: 'c2', name: 'lookup', arguments: '{}' },
      { type: 'function_call_output', call_id: 'c2', output: NESTED },
    ];
    if (stream) for await (const event of await client.responses.create({ model: 'gpt-4.1', input, stream: true })) void event;
    else await client.responses.create({ model: 'gpt-4.1', input });
    const outputs = openai.requests.at(-1)!.json.input.filter((item: { type: string }) => item.type === 'function_call_output');
    expect(outputs.map((item: { output: string }) => item.output)).toEqual([TABLE_TOON, NESTED]);
    expect((await onlyRow(proxy, ids)).compressedTokensSaved).toBe(saved(1));
  });

  it('Anthropic Messages: tool_result content as a string and as text blocks inside goes as TOON; the nested one unchanged', async () => {
    const ids = session();
    anthropic.reply({ kind: 'message', text: 'ok' });
    const client = new Anthropic({ apiKey: 'sk-ant-test-toon-0123456789', baseURL: anthropic.url, maxRetries: 0, fetch: createProxyFetch(proxy, ids) });
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: 'Who are the users?' },
      { role: 'assistant', content: ['t1', 't2', 't3'].map((id) => ({ type: 'tool_use' as const, id, name: 'lookup', input: {} })) },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: TABLE },
          { type: 'tool_result', tool_use_id: 't2', content: [{ type: 'text', text: TABLE }, { type: 'text', text: PLAIN }] },
          { type: 'tool_result', tool_use_id: 't3', content: NESTED },
        ],
      },
    ];
    const request = { model: 'claude-sonnet-4-20250514', max_tokens: 256, messages };
    if (stream) for await (const event of await client.messages.create({ ...request, stream: true })) void event;
    else await client.messages.create(request);
    const results = anthropic.requests.at(-1)!.json.messages[2].content;
    expect(results.map((block: { content: unknown }) => block.content)).toEqual([TABLE_TOON, [{ type: 'text', text: TABLE_TOON }, { type: 'text', text: PLAIN }], NESTED]);
    expect((await onlyRow(proxy, ids)).compressedTokensSaved).toBe(saved(2));
  });

  it('Ollama (native /api/chat): a role:tool message whose content is JSON goes as TOON', async () => {
    const ids = session();
    ollama.reply({ kind: 'answer', content: 'ok' });
    const client = new Ollama({ host: ollama.url, fetch: createProxyFetch(proxy, ids) });
    const messages = [
      { role: 'user', content: 'Who are the users?' },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'lookup', arguments: {} } }] },
      { role: 'tool', content: TABLE, tool_name: 'lookup' },
    ];
    if (stream) for await (const part of await client.chat({ model: 'llama3.2', messages, stream: true })) void part;
    else await client.chat({ model: 'llama3.2', messages });
    expect(ollama.requests.at(-1)!.json.messages[2].content).toBe(TABLE_TOON);
    expect((await onlyRow(proxy, ids)).compressedTokensSaved).toBe(saved(1));
  });

  it('Gemini: a functionResponse.response is a JSON object on the wire, not text: left as it came', async () => {
    const ids = session();
    gemini.reply({ kind: 'generate', text: 'ok' });
    const client = new GoogleGenAI({ apiKey: 'AIza-test-toon-0123456789', httpOptions: { baseUrl: gemini.url, fetch: createProxyFetch(proxy, ids) } });
    const response = JSON.parse(TABLE) as Record<string, unknown>;
    const contents = [
      { role: 'user', parts: [{ text: 'Who are the users?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'lookup', args: {} } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'lookup', response } }] },
    ];
    if (stream) for await (const chunk of await client.models.generateContentStream({ model: 'gemini-2.5-flash', contents })) void chunk;
    else await client.models.generateContent({ model: 'gemini-2.5-flash', contents });
    expect(gemini.requests.at(-1)!.json.contents[2].parts[0].functionResponse.response).toEqual(response);
    expect((await onlyRow(proxy, ids)).compressedTokensSaved).toBeNull();
  });
});

it('llm_compressed_tokens_saved_total adds up the tokens saved per provider and model', async () => {
  const text = await proxy.registry.metrics();
  // Per stream mode: OpenAI Chat saved two tables, Responses one (model gpt-4.1).
  expect(sampleValue(text, 'llm_compressed_tokens_saved_total', { provider: 'openai', model: 'gpt-4o-mini', external_agent_id: '' })).toBe(2 * saved(2));
  expect(sampleValue(text, 'llm_compressed_tokens_saved_total', { provider: 'openai', model: 'gpt-4.1', external_agent_id: '' })).toBe(2 * saved(1));
  expect(sampleValue(text, 'llm_compressed_tokens_saved_total', { provider: 'gemini', model: 'gemini-2.5-flash', external_agent_id: '' })).toBeUndefined();
});
