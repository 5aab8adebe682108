/**
 * vLLM: OpenAI's wire format at a self-hosted base URL, served by the OpenAI adapter under the name
 * `vllm`, usually without a key. The real OpenAI SDK reaches it over a server (`<server>/v1/vllm`)
 * and in-process (SDK `baseURL` = the configured vLLM base URL, `fetch = createProxyFetch(proxy)`
 * or `withArchestra`); the scripted OpenAI upstream plays the vLLM server.
 */
import { createServer } from 'node:http';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProxy, createProxyFetch, type Proxy, withArchestra } from '../../src/index.js';
import { nodeProxy } from '../../src/ways-in/node.js';
import { sampleValue } from '../helpers/metrics.js';
import { collectEvents, comparable } from '../helpers/openai-responses-way-in.js';
import { auditRows } from '../helpers/proxy.js';
import { type Listening, listen } from '../helpers/way-in.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Say hello in Zürich German.' }];

let up: ScriptedOpenAI;
let proxy: Proxy;
let server: Listening;
let direct: OpenAI;

beforeAll(async () => {
  up = await startOpenAIUpstream();
  // No key anywhere: vLLM started without --api-key.
  proxy = createProxy({ providers: { vllm: { baseUrl: up.baseUrl } } });
  server = await listen(createServer(nodeProxy(proxy, { prefix: '/v1' })));
  direct = new OpenAI({ apiKey: 'EMPTY', baseURL: up.baseUrl, maxRetries: 0 });
});
afterEach(() => up.reset());
afterAll(async () => {
  await server?.close();
  await proxy?.close();
  await up?.close();
});

const lastRow = async () => (await auditRows(proxy)).at(-1);

/** The ways in: over the server at /v1/vllm, or in-process with the SDK pointed at vLLM itself. */
const ways: { way: string; client: (options?: { noKey?: boolean }) => OpenAI }[] = [
  { way: 'server /v1/vllm', client: ({ noKey } = {}) => sdk(`${server.origin}/v1/vllm`, noKey) },
  { way: 'in-process createProxyFetch', client: ({ noKey } = {}) => sdk(up.baseUrl, noKey, createProxyFetch(proxy)) },
  { way: 'in-process withArchestra', client: ({ noKey } = {}) => withArchestra(sdk(up.baseUrl, noKey), { proxy }) },
];

/** The SDK insists on a key; `noKey` makes it send no Authorization header at all. */
function sdk(baseURL: string, noKey = false, fetch?: typeof globalThis.fetch): OpenAI {
  return new OpenAI({ apiKey: 'EMPTY', baseURL, maxRetries: 0, ...(fetch ? { fetch } : {}), ...(noKey ? { defaultHeaders: { Authorization: null } } : {}) });
}

describe.each(ways)('vLLM through $way', ({ client }) => {
  it('chat: same answer as calling vLLM directly; the row says provider vllm with the tokens', async () => {
    up.reply({ kind: 'chat', content: 'Grüezi mitenand!', usage: { prompt_tokens: 14, completion_tokens: 6 } });
    const proxied = await client().chat.completions.create({ model: MODEL, messages });
    const straight = await direct.chat.completions.create({ model: MODEL, messages });
    expect(comparable(proxied)).toEqual(comparable(straight));
    expect(up.requests[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(up.requests[0]!.body).toBe(up.requests[1]!.body);
    expect(up.requests[0]!.headers.authorization).toBe('Bearer EMPTY');
    expect(await lastRow()).toMatchObject({ provider: 'vllm', operation: 'chat', model: MODEL, responseModel: MODEL, stream: false, outcome: 'ok', inputTokens: 14, outputTokens: 6 });
  });

  it('streaming chat: same text as direct; usage asked for, hidden, and recorded', async () => {
    up.reply({ kind: 'chat', content: 'Grüezi ✓ mitenand 🏔️!', usage: { prompt_tokens: 9, completion_tokens: 8 } }, { splitBytes: 6 });
    const chunks = await collectEvents(await client().chat.completions.create({ model: MODEL, messages, stream: true }));
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('Grüezi ✓ mitenand 🏔️!');
    expect(chunks.filter((chunk) => chunk.choices.length === 0)).toEqual([]);
    expect(up.requests[0]!.json.stream_options).toEqual({ include_usage: true });
    expect(await lastRow()).toMatchObject({ provider: 'vllm', operation: 'chat', stream: true, outcome: 'ok', inputTokens: 9, outputTokens: 8 });
  });

  it('a request without any key reaches vLLM (no 401), and carries no Authorization upstream', async () => {
    const answer = await client({ noKey: true }).chat.completions.create({ model: MODEL, messages });
    expect(answer.choices[0]!.message.content).toBe('Hello from the scripted upstream.');
    expect(up.requests).toHaveLength(1);
    expect(up.requests[0]!.headers.authorization).toBeUndefined();
    expect(await lastRow()).toMatchObject({ provider: 'vllm', status: 200, outcome: 'ok' });
  });

  it('the Responses API (JSON and stream) and embeddings work on vLLM too', async () => {
    up.reply({ kind: 'responses', content: 'Hoi!', usage: { input_tokens: 5, output_tokens: 2 } });
    expect((await client().responses.create({ model: MODEL, input: 'Hi' })).output_text).toBe('Hoi!');
    const final = await client({ noKey: true }).responses.stream({ model: MODEL, input: 'Hi' }).finalResponse();
    expect(final.output_text).toBe('Hoi!');
    const embedded = await client().embeddings.create({ model: 'BAAI/bge-m3', input: 'Hoi' });
    expect(embedded.data[0]!.embedding).toHaveLength(8);
    expect((await auditRows(proxy)).slice(-3).map((row) => [row.provider, row.operation, row.stream, row.inputTokens, row.outputTokens])).toEqual([
      ['vllm', 'responses', false, 5, 2],
      ['vllm', 'responses', true, 5, 2],
      ['vllm', 'embeddings', false, 1, null],
    ]);
  });
});

describe('vLLM: keys and metrics', () => {
  it('over the server, a raw request without any credential is forwarded; the same on /v1/openai is refused with 401', async () => {
    const body = JSON.stringify({ model: MODEL, messages });
    const vllm = await fetch(`${server.origin}/v1/vllm/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(vllm.status).toBe(200);
    expect(up.requests).toHaveLength(1);
    const openai = await fetch(`${server.origin}/v1/openai/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(openai.status).toBe(401);
    expect(await openai.json()).toMatchObject({ error: { type: 'authentication_error' } });
    expect(up.requests).toHaveLength(1);
  });

  it('a key configured for vLLM (--api-key) is sent when the client sends none', async () => {
    const keyed = createProxy({ providers: { vllm: { baseUrl: up.baseUrl, apiKey: 'vllm-secret-token' } } });
    try {
      await sdk(up.baseUrl, true, createProxyFetch(keyed)).chat.completions.create({ model: MODEL, messages });
      expect(up.requests[0]!.headers.authorization).toBe('Bearer vllm-secret-token');
    } finally {
      await keyed.close();
    }
  });

  it('an unknown path under /v1/vllm is a 404 in OpenAI shape: the SDK raises NotFoundError', async () => {
    const error = await sdk(`${server.origin}/v1/vllm`).get('/tokenize/unknown').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(up.requests).toHaveLength(0);
  });

  it('llm_tokens_total counts vLLM tokens under provider="vllm"', async () => {
    up.reply({ kind: 'chat', content: 'ok', usage: { prompt_tokens: 100, completion_tokens: 1 } });
    const labels = { provider: 'vllm', model: MODEL, external_agent_id: '', type: 'input' };
    const before = sampleValue(await proxy.registry.metrics(), 'llm_tokens_total', labels) ?? 0;
    await ways[0]!.client().chat.completions.create({ model: MODEL, messages });
    expect(sampleValue(await proxy.registry.metrics(), 'llm_tokens_total', labels)).toBe(before + 100);
    expect(sampleValue(await proxy.registry.metrics(), 'llm_tokens_total', { ...labels, provider: 'openai' })).toBeUndefined();
  });
});
