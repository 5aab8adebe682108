/**
 * The real `ollama` client in-process: `new Ollama({ host, fetch: createProxyFetch(proxy) })`,
 * with `host` the configured Ollama base URL or Ollama's default (both are recognised as Ollama);
 * the openai SDK on Ollama's OpenAI-compatible `/v1/` the same way; and raw requests through
 * `proxy.handle()` for what the clients never send (no `stream` field, malformed bodies).
 */
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProxy, createProxyFetch, type Proxy } from '../../src/index.js';
import { sampleValue } from '../helpers/metrics.js';
import { collectParts, withoutTimestamp } from '../helpers/ollama-way-in.js';
import { closedPort, onlyRow, rawRequest, rejection } from '../helpers/proxy.js';
import { type ScriptedOllama, startOllamaUpstream } from '../upstream/ollama.js';

let up: ScriptedOllama;
let proxy: Proxy;
let direct: Ollama;
const opened: Proxy[] = [];
let sessions = 0;

beforeAll(async () => {
  up = await startOllamaUpstream();
  proxy = createProxy({ providers: { ollama: { baseUrl: up.url } } });
  direct = new Ollama({ host: up.url });
});
afterEach(async () => {
  up.reset();
  await Promise.all(opened.splice(0).map((extra) => extra.close()));
});
afterAll(async () => {
  await proxy.close();
  await up.close();
});

const messages = [{ role: 'user', content: 'What is the weather in Zürich?' }];
const session = () => `ollama-in-process-${++sessions}`;

describe.each([
  { way: 'host = the configured base URL', host: () => up.url },
  { way: "host = Ollama's default (http://127.0.0.1:11434)", host: () => undefined },
])('ollama client in-process, $way', ({ host }) => {
  const client = (sessionId: string) => new Ollama({ ...(host() ? { host: host()! } : {}), fetch: createProxyFetch(proxy, { agentId: 'local-bot', sessionId }) });

  it('chat, stream: false: same answer as direct; audit row with provider, model and tokens; nothing of the proxy upstream', async () => {
    up.reply({ kind: 'answer', content: 'Sunny ☀️', usage: { prompt_eval_count: 17, eval_count: 3 } });
    const sessionId = session();
    const proxied = await client(sessionId).chat({ model: 'llama3.2', messages });
    expect(withoutTimestamp(proxied)).toEqual(withoutTimestamp(await direct.chat({ model: 'llama3.2', messages })));
    const [viaProxy, viaDirect] = up.requests;
    expect(viaProxy).toMatchObject({ method: 'POST', path: '/api/chat' });
    expect(viaProxy!.body).toBe(viaDirect!.body);
    expect(Object.keys(viaProxy!.headers).filter((name) => name.startsWith('x-archestra-') || name === 'authorization')).toEqual([]);
    expect(await onlyRow(proxy, { sessionId })).toMatchObject({
      provider: 'ollama', operation: 'chat', model: 'llama3.2', responseModel: 'llama3.2', agentId: 'local-bot', status: 200, outcome: 'ok', stream: false, inputTokens: 17, outputTokens: 3,
    });
  });

  it('chat stream: same parts as direct', async () => {
    up.reply({ kind: 'answer', content: 'The quick brown fox — schnell 🦊.', usage: { prompt_eval_count: 5, eval_count: 8 } }, { splitBytes: 5 });
    const proxied = await collectParts(await client(session()).chat({ model: 'llama3.2', messages, stream: true }));
    expect(proxied).toEqual(await collectParts(await direct.chat({ model: 'llama3.2', messages, stream: true })));
    expect(proxied.map((part) => part.message.content).join('')).toBe('The quick brown fox — schnell 🦊.');
    expect(proxied.at(-1)).toMatchObject({ done: true, prompt_eval_count: 5, eval_count: 8 });
  });

  it('chat stream read by the ollama client: the row has the done line\'s tokens', async () => {
    const sessionId = session();
    await collectParts(await client(sessionId).chat({ model: 'llama3.2', messages, stream: true }));
    expect(await onlyRow(proxy, { sessionId })).toMatchObject({ stream: true, status: 200, outcome: 'ok', inputTokens: 26, outputTokens: 9 });
  });

  it('a stream read to its end in-process: the row has the done line\'s tokens', async () => {
    up.reply({ kind: 'answer', content: 'counted to the end', usage: { prompt_eval_count: 6, eval_count: 4 } });
    const sessionId = session();
    const fetch = createProxyFetch(proxy, { sessionId });
    const response = await fetch(`${host() ?? 'http://127.0.0.1:11434'}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'llama3.2', messages }) });
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    expect((await response.text()).trimEnd().split('\n').map((line) => JSON.parse(line).message.content).join('')).toBe('counted to the end');
    expect(await onlyRow(proxy, { sessionId })).toMatchObject({ stream: true, status: 200, outcome: 'ok', inputTokens: 6, outputTokens: 4 });
  });

  it('tool call (stream: false) and generate (streamed): as direct', async () => {
    up.reply({ kind: 'answer', toolCalls: [{ name: 'get_weather', arguments: { city: 'Zürich' } }] });
    const call = await client(session()).chat({ model: 'llama3.2', messages, tools: [{ type: 'function', function: { name: 'get_weather' } }] });
    expect(call.message.tool_calls).toEqual([{ function: { name: 'get_weather', arguments: { city: 'Zürich' } } }]);
    up.reply({ kind: 'answer', content: 'Because of Rayleigh scattering.' });
    const parts = await collectParts(await client(session()).generate({ model: 'llama3.2', prompt: 'Why is the sky blue?', stream: true }));
    expect(parts).toEqual(await collectParts(await direct.generate({ model: 'llama3.2', prompt: 'Why is the sky blue?', stream: true })));
  });

  it('list; a path the proxy does not serve is a 404 ResponseError, never forwarded', async () => {
    expect(await client(session()).list()).toEqual(await direct.list());
    const error = await rejection(client(session()).ps());
    expect(error).toMatchObject({ name: 'ResponseError', status_code: 404 });
    expect(up.requests.map((request) => request.path)).toEqual(['/api/tags', '/api/tags']);
  });
});

describe('openai SDK in-process on Ollama\'s OpenAI-compatible API', () => {
  it('baseURL <ollama>/v1 is recognised as Ollama: completion and stream as direct; tokens recorded', async () => {
    up.reply({ kind: 'answer', content: 'Hi from /v1 ✓', usage: { prompt_eval_count: 4, eval_count: 5 } });
    const sessionId = session();
    const openai = new OpenAI({ baseURL: `${up.url}/v1`, apiKey: 'ollama', maxRetries: 0, fetch: createProxyFetch(proxy, { sessionId }) });
    const body = { model: 'llama3.2', messages: [{ role: 'user' as const, content: 'hi' }] };
    expect((await openai.chat.completions.create(body)).choices[0]!.message.content).toBe('Hi from /v1 ✓');
    let text = '';
    for await (const chunk of await openai.chat.completions.create({ ...body, stream: true })) {
      expect(chunk.choices).toHaveLength(1);
      text += chunk.choices[0]!.delta.content ?? '';
    }
    expect(text).toBe('Hi from /v1 ✓');
    await proxy.flush();
    const all = (await proxy.store.listInteractions({ sessionId })).reverse();
    expect(all.map((row) => [row.provider, row.operation, row.stream, row.inputTokens, row.outputTokens])).toEqual([
      ['ollama', 'chat_completions', false, 4, 5],
      ['ollama', 'chat_completions', true, 4, 5],
    ]);
  });
});

describe('raw requests through proxy.handle()', () => {
  it('a chat body without `stream` is a stream, as Ollama treats it: NDJSON through, row stream: true', async () => {
    up.reply({ kind: 'answer', content: 'streamed by default', usage: { prompt_eval_count: 2, eval_count: 3 } });
    const sessionId = session();
    const response = await proxy.handle(rawRequest('/ollama/api/chat', { body: { model: 'llama3.2', messages }, headers: { 'x-archestra-session-id': sessionId } }));
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await response.text()).trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines.at(-1)).toMatchObject({ done: true, eval_count: 3 });
    expect(up.requests[0]!.json.stream).toBeUndefined();
    expect(await onlyRow(proxy, { sessionId })).toMatchObject({ stream: true, outcome: 'ok', inputTokens: 2, outputTokens: 3 });
  });

  it('malformed bodies: 400 in Ollama\'s shape, not retryable, nothing upstream', async () => {
    const bodies: [string, unknown][] = [
      ['/ollama/api/chat', '{"model": "llama3.2", '],
      ['/ollama/api/chat', { messages: [] }],
      ['/ollama/api/chat', { model: 'llama3.2', stream: 'yes' }],
      ['/ollama/api/chat', { model: 'llama3.2', messages: [{ role: 'wizard', content: 'x' }] }],
      ['/ollama/api/generate', { model: 'llama3.2', prompt: 42 }],
      ['/ollama/api/embed', { model: 'all-minilm', input: { text: 'x' } }],
      ['/ollama/v1/chat/completions', { model: 'llama3.2' }],
    ];
    for (const [path, body] of bodies) {
      const response = await proxy.handle(rawRequest(path, { method: 'POST', body }));
      expect(response.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(response.headers.get('x-should-retry')).toBe('false');
      expect(await response.json()).toEqual({ error: expect.any(String) });
    }
    expect(up.requests).toHaveLength(0);
  });

  it('an upstream stream that ends without its done line: the client gets an error line and throws; row upstream_error', async () => {
    const cut = '{"model":"llama3.2","created_at":"2025-10-14T09:12:03.1Z","message":{"role":"assistant","content":"half"},"done":false}\n';
    up.reply({ kind: 'raw', status: 200, headers: { 'content-type': 'application/x-ndjson' }, body: cut });
    const sessionId = session();
    const client = new Ollama({ host: up.url, fetch: createProxyFetch(proxy, { sessionId }) });
    const seen: string[] = [];
    const error = await rejection((async () => {
      for await (const part of await client.chat({ model: 'llama3.2', messages, stream: true })) seen.push(part.message.content);
    })());
    expect(seen).toEqual(['half']);
    expect((error as Error).message).toBe('The upstream stream ended without its terminator.');
    expect(await onlyRow(proxy, { sessionId })).toMatchObject({ status: 200, outcome: 'upstream_error', stream: true });
  });

  it('an unreachable upstream: 502 in Ollama\'s shape, the client raises ResponseError; row upstream_unreachable', async () => {
    const dead = createProxy({ providers: { ollama: { baseUrl: `http://127.0.0.1:${await closedPort()}` } }, upstream: { retries: { baseDelayMs: 1, maxDelayMs: 2 } } });
    opened.push(dead);
    const error = await rejection(new Ollama({ fetch: createProxyFetch(dead, { sessionId: 'dead-ollama' }) }).chat({ model: 'llama3.2', messages }));
    expect(error).toMatchObject({ name: 'ResponseError', status_code: 502, error: expect.stringMatching(/could not be reached/) });
    expect(await onlyRow(dead, { sessionId: 'dead-ollama' })).toMatchObject({ provider: 'ollama', status: 502, outcome: 'upstream_unreachable' });
  });

  it('a key configured for Ollama (hosted Ollama) goes upstream as Bearer; a key the client sends wins', async () => {
    const keyed = createProxy({ providers: { ollama: { baseUrl: up.url, apiKey: 'ollama-configured-key' } } });
    opened.push(keyed);
    await new Ollama({ fetch: createProxyFetch(keyed) }).list();
    await new Ollama({ fetch: createProxyFetch(keyed), headers: { Authorization: 'Bearer ollama-client-key' } }).list();
    expect(up.requests.map((request) => request.headers.authorization)).toEqual(['Bearer ollama-configured-key', 'Bearer ollama-client-key']);
  });

  it('metrics: llm_tokens_total counts Ollama\'s tokens, streams included', async () => {
    const own = createProxy({ providers: { ollama: { baseUrl: up.url } } });
    opened.push(own);
    const client = new Ollama({ fetch: createProxyFetch(own) });
    up.reply({ kind: 'answer', content: 'counted', usage: { prompt_eval_count: 10, eval_count: 4 } });
    await client.chat({ model: 'llama3.2', messages });
    // Read to its end (see the known gap above: the ollama client itself stops at the done line).
    const streamed = await own.handle(rawRequest('/ollama/api/chat', { body: { model: 'llama3.2', messages } }));
    expect(streamed.headers.get('content-type')).toBe('application/x-ndjson');
    await streamed.text();
    await own.flush();
    const text = await own.registry.metrics();
    const labels = { provider: 'ollama', model: 'llama3.2', external_agent_id: '' };
    expect(sampleValue(text, 'llm_tokens_total', { ...labels, type: 'input' })).toBe(20);
    expect(sampleValue(text, 'llm_tokens_total', { ...labels, type: 'output' })).toBe(8);
  });
});
