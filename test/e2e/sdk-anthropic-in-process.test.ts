/**
 * The real Anthropic SDK in-process: `createProxyFetch(proxy)` as its fetch, and
 * `withArchestra(new Anthropic(), ...)`, which clones the client through `withOptions({ fetch })`.
 * The SDK keeps its own URL (https://api.anthropic.com); the proxy recognises Anthropic from it.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProxy, createProxyFetch, type Proxy, withArchestra } from '../../src/index.js';
import { clearAnthropicEnv, collectEvents, comparableMessage, eventsText, MODEL } from '../helpers/anthropic-way-in.js';
import { auditRows, closedPort, onlyRow, rawRequest, rejection } from '../helpers/proxy.js';
import { MODELS, type ScriptedAnthropic, sseEvent, startAnthropicUpstream } from '../upstream/anthropic.js';

const KEY = 'sk-ant-api03-inproc-5b2d';
const weather = { id: 'toolu_01X', name: 'get_weather', input: { city: 'Zürich' } };
const params = { model: MODEL, max_tokens: 128, messages: [{ role: 'user' as const, content: 'Weather in Zürich?' }] };

let up: ScriptedAnthropic;
let proxy: Proxy;
let direct: Anthropic;
let restoreEnv: () => void;
const opened: Proxy[] = [];

function extraProxy(config: Parameters<typeof createProxy>[0]): Proxy {
  const created = createProxy(config);
  opened.push(created);
  return created;
}

beforeAll(async () => {
  restoreEnv = clearAnthropicEnv();
  up = await startAnthropicUpstream();
  // Upstream errors here are about passing them on: the proxy's retries are tested in upstream-retries.test.ts.
  proxy = createProxy({ providers: { anthropic: { baseUrl: up.url } }, profiles: { 'support-bot': {} }, upstream: { retries: { attempts: 0 } } });
  direct = new Anthropic({ apiKey: KEY, baseURL: up.url, maxRetries: 0 });
});
afterEach(async () => {
  up.reset();
  await Promise.all(opened.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  await proxy.close();
  await up.close();
  restoreEnv();
});

type Ids = { agentId: string; sessionId: string; proxyId?: string };
const ways: { way: string; client: (ids: Ids) => Anthropic }[] = [
  { way: 'createProxyFetch, default baseURL', client: (ids) => new Anthropic({ apiKey: KEY, maxRetries: 0, fetch: createProxyFetch(proxy, ids) }) },
  { way: 'createProxyFetch, baseURL = upstream', client: (ids) => new Anthropic({ apiKey: KEY, maxRetries: 0, baseURL: up.url, fetch: createProxyFetch(proxy, ids) }) },
  { way: 'withArchestra, default baseURL', client: (ids) => withArchestra(new Anthropic({ apiKey: KEY, maxRetries: 0 }), { proxy, ...ids }) },
];

describe.each(ways)('Anthropic SDK in-process: $way', ({ way, client: makeClient }) => {
  let sessions = 0;
  const ids = (extra: Partial<Ids> = {}): Ids => ({ agentId: 'claude-bot', sessionId: `${way.replace(/\W+/g, '-')}-${++sessions}`, ...extra });

  it('messages.create: same message as direct; ids recorded; x-api-key upstream; no X-Archestra-* upstream', async () => {
    const context = ids();
    const client = makeClient(context);
    if (!way.includes('upstream')) expect(client.baseURL).toBe('https://api.anthropic.com');
    const viaProxy = await client.messages.create(params);
    const viaDirect = await direct.messages.create(params);
    expect(comparableMessage(viaProxy)).toEqual(comparableMessage(viaDirect));
    const [proxied, straight] = up.requests;
    expect(proxied).toMatchObject({ method: 'POST', path: '/v1/messages' });
    expect(proxied!.body).toBe(straight!.body);
    expect(proxied!.headers['x-api-key']).toBe(KEY);
    expect(proxied!.headers.authorization).toBeUndefined();
    expect(Object.keys(proxied!.headers).filter((name) => name.startsWith('x-archestra'))).toEqual([]);
    expect(await onlyRow(proxy, { sessionId: context.sessionId })).toMatchObject({
      agentId: 'claude-bot', provider: 'anthropic', operation: 'chat', model: MODEL, status: 200, outcome: 'ok', stream: false, inputTokens: 14, outputTokens: 9,
    });
  });

  it('messages.stream().finalMessage(): the same streamed tool call as direct; streamed tokens in the row', async () => {
    up.reply({ kind: 'message', text: 'Checking… ✓', toolCalls: [weather], usage: { input_tokens: 52, output_tokens: 17 } }, { splitBytes: 5 });
    const context = ids();
    const call = (client: Anthropic) => client.messages.stream({ ...params, tools: [{ name: 'get_weather', input_schema: { type: 'object' } }] }).finalMessage();
    const viaProxy = await call(makeClient(context));
    expect(comparableMessage(viaProxy)).toEqual(comparableMessage(await call(direct)));
    expect(viaProxy.content[1]).toEqual({ type: 'tool_use', ...weather });
    expect(await onlyRow(proxy, { sessionId: context.sessionId })).toMatchObject({ stream: true, outcome: 'ok', inputTokens: 52, outputTokens: 17 });
  });

  it('messages.create({ stream: true }): the same raw events as direct', async () => {
    up.reply({ kind: 'message', thinking: 'Think about Zürich.', text: 'It is sunny in Zürich ☀️.' }, { splitBytes: 3 });
    const viaProxy = await collectEvents(await makeClient(ids()).messages.create({ ...params, stream: true }));
    const viaDirect = await collectEvents(await direct.messages.create({ ...params, stream: true }));
    const withoutSignatures = (events: unknown[]) => JSON.stringify(events).replace(/"signature":"[^"]*"/g, '"signature":""');
    expect(withoutSignatures(viaProxy)).toEqual(withoutSignatures(viaDirect));
    expect(eventsText(viaProxy)).toBe('It is sunny in Zürich ☀️.');
  });

  it('S9: an overloaded_error event after message_start: the SDK stream raises it; the row is upstream_error with the usage so far', async () => {
    up.reply({ kind: 'message', text: 'partial answer here', usage: { input_tokens: 77, output_tokens: 5 }, streamError: { afterEvents: 5, type: 'overloaded_error', message: 'Overloaded' } });
    const context = ids();
    const error = await rejection(makeClient(context).messages.stream(params).finalMessage());
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error).toMatchObject({ type: 'overloaded_error', apiMessage: 'Overloaded' });
    expect(await onlyRow(proxy, { sessionId: context.sessionId })).toMatchObject({
      stream: true, status: 200, outcome: 'upstream_error', error: 'overloaded_error: Overloaded', inputTokens: 77,
    });
  });

  it('count_tokens, models.list and models.retrieve', async () => {
    const client = makeClient(ids());
    expect(await client.messages.countTokens({ model: MODEL, messages: params.messages })).toEqual(await direct.messages.countTokens({ model: MODEL, messages: params.messages }));
    const listed: string[] = [];
    for await (const model of client.models.list()) listed.push(model.id);
    expect(listed).toEqual(MODELS.map((model) => model.id));
    expect((await client.models.retrieve('claude-opus-4-5-20251101')).display_name).toBe('Claude Opus 4.5');
    expect(up.requests.filter((r) => r.method === 'GET').map((r) => r.path.split('?')[0])).toEqual(['/v1/models', '/v1/models/claude-opus-4-5-20251101']);
  });

  it('beta.messages.create: the same request upstream as direct, with its anthropic-beta header', async () => {
    const context = ids();
    const betaParams = { ...params, betas: ['context-management-2025-06-27'] };
    const message = await makeClient(context).beta.messages.create(betaParams);
    await direct.beta.messages.create(betaParams);
    expect(message.content).toEqual([{ type: 'text', text: 'Hello from the scripted Anthropic upstream.' }]);
    const [proxied, straight] = up.requests;
    expect(proxied!.path).toBe(straight!.path);
    expect(proxied!.body).toBe(straight!.body);
    expect(proxied!.headers['anthropic-beta']).toBe(straight!.headers['anthropic-beta']);
    expect(proxied!.headers['anthropic-beta']).toContain('context-management-2025-06-27');
    expect(await onlyRow(proxy, { sessionId: context.sessionId })).toMatchObject({ operation: 'chat', outcome: 'ok', inputTokens: 14, outputTokens: 9 });
  });

  it('proxyId selects the profile; an unknown one is a NotFoundError', async () => {
    const context = ids({ proxyId: 'support-bot' });
    await makeClient(context).messages.create(params);
    expect(await onlyRow(proxy, { sessionId: context.sessionId })).toMatchObject({ proxyId: 'support-bot', status: 200 });
    const error = await rejection(makeClient(ids({ proxyId: 'no-such-profile' })).messages.create(params));
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect(error).toMatchObject({ status: 404, type: 'not_found_error' });
    expect(up.requests).toHaveLength(1);
  });
});

describe('withArchestra(new Anthropic(...))', () => {
  it('returns an Anthropic client, a new one, leaving the original untouched', async () => {
    const original = new Anthropic({ apiKey: KEY, maxRetries: 0, baseURL: up.url });
    const wrapped = withArchestra(original, { proxy, agentId: 'claude-bot', sessionId: 'wrap-identity' });
    expect(wrapped).toBeInstanceOf(Anthropic);
    expect(wrapped).not.toBe(original);
    await original.messages.create(params);
    expect(await auditRows(proxy, { sessionId: 'wrap-identity' })).toEqual([]);
    await wrapped.messages.create(params);
    expect(await auditRows(proxy, { sessionId: 'wrap-identity' })).toHaveLength(1);
  });
});

describe('credentials', () => {
  const keyless = () => ({ apiKey: null, authToken: null, maxRetries: 0, defaultHeaders: { Authorization: null } });

  it('the configured key when the client sends none; a client key wins; an OAuth token goes upstream as a bearer token', async () => {
    const keyed = extraProxy({ providers: { anthropic: { baseUrl: up.url, apiKey: 'sk-ant-api03-configured' } } });
    await new Anthropic({ ...keyless(), fetch: createProxyFetch(keyed) }).messages.create(params);
    await new Anthropic({ apiKey: KEY, maxRetries: 0, fetch: createProxyFetch(keyed) }).messages.create(params);
    await new Anthropic({ authToken: 'sk-ant-oat01-oauth-token', apiKey: null, maxRetries: 0, fetch: createProxyFetch(keyed) }).messages.create(params);
    expect(up.requests.map((r) => [r.headers['x-api-key'], r.headers.authorization])).toEqual([
      ['sk-ant-api03-configured', undefined],
      [KEY, undefined],
      [undefined, 'Bearer sk-ant-oat01-oauth-token'],
    ]);
  });

  it('no key anywhere: AuthenticationError (401, Anthropic shape), nothing sent upstream', async () => {
    const error = await rejection(new Anthropic({ ...keyless(), fetch: createProxyFetch(proxy) }).messages.create(params));
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(error).toMatchObject({ status: 401, type: 'authentication_error' });
    expect(up.requests).toHaveLength(0);
  });

  it('x-api-key, as 0.x SDKs send it (their beta calls with ?beta=true), is accepted and forwarded as x-api-key', async () => {
    const headers = { 'x-api-key': 'sk-ant-api03-old', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'prompt-caching-2024-07-31' };
    const response = await proxy.handle(rawRequest('/anthropic/v1/messages?beta=true', { body: params, headers }));
    expect(response.status).toBe(200);
    await response.text();
    expect(up.requests[0]!.path).toBe('/v1/messages?beta=true');
    expect(up.requests[0]!.headers).toMatchObject(headers);
  });
});

describe('refused before the upstream, in Anthropic error shape', () => {
  const sdk = (p = proxy) => new Anthropic({ apiKey: KEY, maxRetries: 0, fetch: createProxyFetch(p) });

  it('invalid JSON and bodies that are not a Messages request: 400 invalid_request_error', async () => {
    expect(await rejection(sdk().messages.create({ ...params, model: '' }))).toMatchObject({ status: 400, type: 'invalid_request_error', apiMessage: 'model: Field required' });
    for (const body of ['{"model": ', JSON.stringify({ model: MODEL }), JSON.stringify({ ...params, stream: 'yes' })]) {
      const response = await proxy.handle(rawRequest('/anthropic/v1/messages', { body, headers: { 'x-api-key': KEY } }));
      expect(response.status).toBe(400);
      expect(response.headers.get('x-should-retry')).toBe('false');
      expect((await response.json())).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.any(String) } });
    }
    expect(up.requests).toHaveLength(0);
  });

  it('a body over limits.maxRequestBodyBytes: ContentTooLargeError (413, request_too_large)', async () => {
    const limited = extraProxy({ providers: { anthropic: { baseUrl: up.url } }, limits: { maxRequestBodyBytes: 1024 } });
    const error = await rejection(sdk(limited).messages.create({ ...params, messages: [{ role: 'user', content: 'x'.repeat(2000) }] }));
    expect(error).toBeInstanceOf(Anthropic.ContentTooLargeError);
    expect(error).toMatchObject({ status: 413, type: 'request_too_large' });
    expect(up.requests).toHaveLength(0);
  });
});

describe('upstream failures', () => {
  it('unreachable upstream: 502, api_error, raised as InternalServerError; outcome upstream_unreachable', async () => {
    const dead = extraProxy({ providers: { anthropic: { baseUrl: `http://127.0.0.1:${await closedPort()}` } }, upstream: { retries: { baseDelayMs: 1, maxDelayMs: 2 } } });
    const error = await rejection(new Anthropic({ apiKey: KEY, maxRetries: 0, fetch: createProxyFetch(dead, { sessionId: 'dead-1' }) }).messages.create(params));
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect(error).toMatchObject({ status: 502, type: 'api_error', apiMessage: expect.stringContaining('ECONNREFUSED') });
    expect(await onlyRow(dead, { sessionId: 'dead-1' })).toMatchObject({ provider: 'anthropic', status: 502, outcome: 'upstream_unreachable' });
  });

  it('an upstream 529 reaches the client unchanged: OverloadedError', async () => {
    up.reply({ kind: 'error', status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    const error = await rejection(new Anthropic({ apiKey: KEY, maxRetries: 0, fetch: createProxyFetch(proxy, { sessionId: 'five-29' }) }).messages.create(params));
    expect(error).toBeInstanceOf(Anthropic.OverloadedError);
    expect(error).toMatchObject({ status: 529, type: 'overloaded_error', apiMessage: 'Overloaded' });
    expect(await onlyRow(proxy, { sessionId: 'five-29' })).toMatchObject({ status: 529, outcome: 'upstream_error' });
  });

  it('S4: a stream cut before message_stop: the client gets an api_error event, the SDK raises; upstream_error with partial usage', async () => {
    const start = sseEvent('message_start', { type: 'message_start', message: { id: 'msg_cut', type: 'message', role: 'assistant', model: MODEL, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 61, output_tokens: 1 } } });
    const block = sseEvent('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    const delta = sseEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Half an ans' } });
    up.reply({ kind: 'raw', status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' }, body: start + block + delta });
    const client = new Anthropic({ apiKey: KEY, maxRetries: 0, fetch: createProxyFetch(proxy, { sessionId: 'cut-1' }) });
    const error = await rejection(client.messages.stream(params).finalMessage());
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error).toMatchObject({ type: 'api_error', apiMessage: 'The upstream stream ended without its terminator.' });
    expect(await onlyRow(proxy, { sessionId: 'cut-1' })).toMatchObject({ stream: true, outcome: 'upstream_error', inputTokens: 61, outputTokens: 1 });
  });
});
