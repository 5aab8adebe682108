import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProxy, createProxyFetch, type Proxy, withArchestra } from '../../src/index.js';
import { auditRows, chatBody, closedPort, onlyRow, rawChat, rawRequest, rejection } from '../helpers/proxy.js';
import { MODELS, openAIError, type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

const KEY = 'sk-client-key-4d1f';
const weather = { id: 'call_abc123', name: 'get_weather', arguments: '{"city":"Zürich","unit":"celsius"}' };
const weatherTool = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } };

let up: ScriptedOpenAI;
let proxy: Proxy;
let direct: OpenAI;
const savedBaseUrl = process.env.OPENAI_BASE_URL;
const opened: Proxy[] = [];

/** A proxy with extra configuration, closed after the test. */
function extraProxy(config: Parameters<typeof createProxy>[0]): Proxy {
  const created = createProxy(config);
  opened.push(created);
  return created;
}

beforeAll(async () => {
  delete process.env.OPENAI_BASE_URL; // so `new OpenAI()` keeps https://api.openai.com/v1
  up = await startOpenAIUpstream();
  // Upstream errors here are about passing them on: the proxy's retries are tested in upstream-retries.test.ts.
  proxy = createProxy({ providers: { openai: { baseUrl: up.baseUrl } }, profiles: { 'support-bot': {} }, upstream: { retries: { attempts: 0 } } });
  direct = new OpenAI({ apiKey: KEY, baseURL: up.baseUrl, maxRetries: 0 });
});
afterEach(async () => {
  up.reset();
  await Promise.all(opened.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  await proxy.close();
  await up.close();
  if (savedBaseUrl !== undefined) process.env.OPENAI_BASE_URL = savedBaseUrl;
});

type Ids = { agentId: string; sessionId: string; proxyId?: string };
const ways: { way: string; client: (ids: Ids) => OpenAI }[] = [
  { way: 'createProxyFetch, default baseURL', client: (ids) => new OpenAI({ apiKey: KEY, maxRetries: 0, fetch: createProxyFetch(proxy, ids) }) },
  { way: 'createProxyFetch, baseURL = upstream', client: (ids) => new OpenAI({ apiKey: KEY, maxRetries: 0, baseURL: up.baseUrl, fetch: createProxyFetch(proxy, ids) }) },
  { way: 'withArchestra, default baseURL', client: (ids) => withArchestra(new OpenAI({ apiKey: KEY, maxRetries: 0 }), { proxy, ...ids }) },
];

/** What two completions must share: everything but the per-response id and timestamp. */
const comparable = ({ id: _id, created: _created, ...rest }: { id: string; created: number }) => rest;

describe.each(ways)('OpenAI SDK in-process: $way', ({ way, client: makeClient }) => {
  let sessions = 0;
  const ids = (extra: Partial<Ids> = {}): Ids => ({ agentId: 'billing-bot', sessionId: `${way.replace(/\W+/g, '-')}-${++sessions}`, ...extra });

  it('non-streaming chat: same answer as calling the upstream directly; ids recorded; no X-Archestra-* upstream', async () => {
    const context = ids();
    const client = makeClient(context);
    if (!way.includes('upstream')) expect(client.baseURL).toBe('https://api.openai.com/v1');
    const viaProxy = await client.chat.completions.create(chatBody('hello'));
    const viaDirect = await direct.chat.completions.create(chatBody('hello'));
    expect(comparable(viaProxy)).toEqual(comparable(viaDirect));
    expect(viaProxy.choices[0]!.message.content).toBe('Hello from the scripted upstream.');

    const [proxied, straight] = up.requests;
    expect(proxied).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(proxied!.body).toBe(straight!.body); // forwarded as the original bytes
    expect(proxied!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(Object.keys(proxied!.headers).filter((name) => name.startsWith('x-archestra'))).toEqual([]);
    expect(await onlyRow(proxy, { sessionId: context.sessionId })).toMatchObject({ agentId: 'billing-bot', proxyId: 'default', provider: 'openai', status: 200, outcome: 'ok' });
  });

  it('streaming chat: same chunks as direct, and the usage chunk the proxy asked for never reaches the client', async () => {
    up.reply({ kind: 'chat', content: 'The quick brown fox jumps.', usage: { prompt_tokens: 5, completion_tokens: 6 } });
    const context = ids();
    const collect = async (client: OpenAI) => {
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const chunk of await client.chat.completions.create({ ...chatBody(), stream: true })) chunks.push(chunk);
      return chunks;
    };
    const viaProxy = await collect(makeClient(context));
    const viaDirect = await collect(direct);
    const shape = (chunks: OpenAI.ChatCompletionChunk[]) => chunks.map(({ model, object, choices }) => ({ model, object, choices }));
    expect(shape(viaProxy)).toEqual(shape(viaDirect));
    expect(viaProxy.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('The quick brown fox jumps.');
    expect(viaProxy.filter((c) => c.choices.length === 0 || c.usage)).toEqual([]);
    expect(up.requests[0]!.json.stream_options).toEqual({ include_usage: true });
    expect(await onlyRow(proxy, { sessionId: context.sessionId })).toMatchObject({ stream: true, inputTokens: 5, outputTokens: 6, outcome: 'ok' });
  });

  it('streaming chat that asks for usage itself gets the usage chunk', async () => {
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of await makeClient(ids()).chat.completions.create({ ...chatBody(), stream: true, stream_options: { include_usage: true } })) {
      usage ??= chunk.usage;
    }
    expect(usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 7 });
  });

  it('tool call streaming: .stream().finalChatCompletion() reassembles the call', async () => {
    up.reply({ kind: 'chat', toolCalls: [weather] });
    const final = await makeClient(ids()).chat.completions.stream({ ...chatBody('weather in Zürich?'), tools: [weatherTool] }).finalChatCompletion();
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(final.choices[0]!.message.tool_calls).toEqual([{ id: weather.id, type: 'function', function: { name: weather.name, arguments: weather.arguments } }]);
  });

  it('models.list', async () => {
    const models: string[] = [];
    for await (const model of makeClient(ids()).models.list()) models.push(model.id);
    expect(models).toEqual(MODELS);
    expect(up.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models' });
  });

  it('per-call headers override the agent id the client was built with', async () => {
    const context = ids();
    await makeClient(context).chat.completions.create(chatBody(), { headers: { 'X-Archestra-Agent-Id': 'per-call-bot' } });
    expect(await onlyRow(proxy, { sessionId: context.sessionId })).toMatchObject({ agentId: 'per-call-bot', sessionId: context.sessionId });
  });

  it('proxyId selects the profile; an unknown one is a 404', async () => {
    const context = ids({ proxyId: 'support-bot' });
    await makeClient(context).chat.completions.create(chatBody());
    expect(await onlyRow(proxy, { sessionId: context.sessionId })).toMatchObject({ proxyId: 'support-bot', status: 200 });
    const error = await rejection(makeClient(ids({ proxyId: 'no-such-profile' })).chat.completions.create(chatBody()));
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(up.requests).toHaveLength(1);
  });
});

describe('withArchestra', () => {
  it('returns an OpenAI client, a new one, leaving the original untouched', async () => {
    const original = new OpenAI({ apiKey: KEY, maxRetries: 0, baseURL: up.baseUrl });
    const wrapped = withArchestra(original, { proxy, agentId: 'billing-bot', sessionId: 'wrap-identity' });
    expect(wrapped).toBeInstanceOf(OpenAI);
    expect(wrapped).not.toBe(original);
    await original.chat.completions.create(chatBody());
    expect(await auditRows(proxy, { sessionId: 'wrap-identity' })).toEqual([]);
    expect(up.requests[0]!.headers['x-archestra-agent-id']).toBeUndefined();
  });
});

describe('credentials', () => {
  it('uses the configured key when the client sends none, and the client key when it sends one', async () => {
    const keyed = extraProxy({ providers: { openai: { baseUrl: up.baseUrl, apiKey: 'sk-configured-9e2a' } } });
    const response = await keyed.handle(rawChat());
    expect(response.status).toBe(200);
    expect((await response.json()).object).toBe('chat.completion');
    await (await keyed.handle(rawChat(chatBody(), { authorization: `Bearer ${KEY}` }))).text();
    expect(up.requests.map((r) => r.headers.authorization)).toEqual(['Bearer sk-configured-9e2a', `Bearer ${KEY}`]);
  });

  it.each([['no Authorization', {}], ['an empty bearer', { authorization: 'Bearer ' }], ['a non-bearer scheme', { authorization: `Basic ${KEY}` }]])(
    'with %s and no configured key: 401 in OpenAI error shape, nothing sent upstream',
    async (_name, headers: Record<string, string>) => {
      const response = await proxy.handle(rawChat(chatBody(), headers));
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(await response.json()).toEqual({ error: { message: expect.any(String), type: 'authentication_error', param: null, code: 'authentication_error' } });
      expect(up.requests).toHaveLength(0);
    },
  );
});

describe('refused before the upstream', () => {
  const client = () => new OpenAI({ apiKey: KEY, maxRetries: 0, fetch: createProxyFetch(proxy, { agentId: 'refused' }) });

  it('malformed X-Archestra-Meta: BadRequestError (400) naming the header', async () => {
    const error = await rejection(client().chat.completions.create(chatBody(), { headers: { 'X-Archestra-Meta': 'agent/exec' } }));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', message: expect.stringContaining('X-Archestra-Meta') });
    expect(up.requests).toHaveLength(0);
  });

  it('unknown path: NotFoundError (404) from the SDK, and from proxy.handle for an unknown provider', async () => {
    const error = await rejection(client().files.list()); // an OpenAI API the proxy does not serve
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error).toMatchObject({ status: 404, type: 'not_found_error' });
    for (const path of ['/openai/files', '/openai/fine_tuning/jobs', '/nope/chat/completions', '/openai/models/%2e%2e/files']) {
      const response = await proxy.handle(rawRequest(path));
      expect(response.status).toBe(404);
      expect((await response.json()).error.type).toBe('not_found_error');
    }
    expect(up.requests).toHaveLength(0);
  });

  it('invalid JSON body: 400, and a body that is not a chat request: 400', async () => {
    for (const body of ['{"model": "gpt-4o-mini", ', '[]', JSON.stringify({ messages: [] }), JSON.stringify({ ...chatBody(), stream: 'yes' })]) {
      const response = await proxy.handle(rawChat(body, { authorization: `Bearer ${KEY}` }));
      expect(response.status).toBe(400);
      expect(response.headers.get('x-should-retry')).toBe('false');
      expect((await response.json()).error).toMatchObject({ type: 'invalid_request_error', message: expect.any(String) });
    }
    expect(up.requests).toHaveLength(0);
  });

  it('request body over limits.maxRequestBodyBytes: 413 (declared length, chunked, and bytes not characters)', async () => {
    const limited = extraProxy({ providers: { openai: { baseUrl: up.baseUrl } }, limits: { maxRequestBodyBytes: 1024 } });
    const sdk = new OpenAI({ apiKey: KEY, maxRetries: 0, fetch: createProxyFetch(limited) });
    const error = await rejection(sdk.chat.completions.create(chatBody('x'.repeat(2000))));
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ status: 413 });

    const sized = (bytes: number, char: string) => {
      const empty = JSON.stringify(chatBody(''));
      return JSON.stringify(chatBody(char.repeat((bytes - Buffer.byteLength(empty)) / Buffer.byteLength(char))));
    };
    const chunked = (text: string) => new Request('http://proxy/openai/chat/completions', {
      method: 'POST', headers: { authorization: `Bearer ${KEY}` }, duplex: 'half',
      body: new ReadableStream({ start(c) { const b = Buffer.from(text); c.enqueue(b.subarray(0, 600)); c.enqueue(b.subarray(600)); c.close(); } }),
    } as RequestInit);
    expect(Buffer.byteLength(sized(1024, 'a'))).toBe(1024);
    expect((await limited.handle(chunked(sized(1026, 'é')))).status).toBe(413); // 1026 bytes, fewer characters
    expect((await limited.handle(rawChat(sized(1026, 'é'), { authorization: `Bearer ${KEY}` }))).status).toBe(413);
    expect((await limited.handle(rawChat('{}', { authorization: `Bearer ${KEY}`, 'content-length': '5000' }))).status).toBe(413); // declared
    expect(up.requests).toHaveLength(0);
    const exact = await limited.handle(rawChat(sized(1024, 'a'), { authorization: `Bearer ${KEY}` }));
    expect(exact.status).toBe(200);
    await exact.text();
    expect(up.requests).toHaveLength(1);
  });

  it('hop-by-hop and client-address headers are not forwarded', async () => {
    const response = await proxy.handle(rawChat(chatBody(), {
      authorization: `Bearer ${KEY}`, connection: 'x-secret', 'x-secret': '1', 'proxy-authorization': 'Basic cHJveHk6cHc=',
      'x-forwarded-for': '10.0.0.1', forwarded: 'for=10.0.0.1;host=evil.test', 'x-real-ip': '10.0.0.1', 'x-forwarded-host': 'evil.test',
      'keep-alive': 'timeout=5', te: 'trailers', upgrade: 'websocket', 'proxy-connection': 'keep-alive',
      'x-archestra-agent-id': 'hop', 'x-custom-trace': 'kept',
    }));
    expect(response.status).toBe(200);
    await response.text();
    const seen = up.requests[0]!.headers;
    for (const name of ['x-secret', 'proxy-authorization', 'x-forwarded-for', 'forwarded', 'x-real-ip', 'x-forwarded-host', 'keep-alive', 'te', 'upgrade', 'proxy-connection', 'x-archestra-agent-id']) {
      expect(seen, name).not.toHaveProperty(name);
    }
    expect(seen.connection ?? '').not.toContain('x-secret');
    expect(seen['x-custom-trace']).toBe('kept');
  });
});

describe('upstream failures', () => {
  it('unreachable upstream: InternalServerError (502) in OpenAI error shape; outcome upstream_unreachable', async () => {
    const dead = extraProxy({ providers: { openai: { baseUrl: `http://127.0.0.1:${await closedPort()}/v1` } }, upstream: { retries: { baseDelayMs: 1, maxDelayMs: 2 } } });
    const sdk = new OpenAI({ apiKey: KEY, maxRetries: 0, fetch: createProxyFetch(dead, { sessionId: 'dead-1' }) });
    const error = await rejection(sdk.chat.completions.create(chatBody()));
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).toMatchObject({ status: 502, type: 'upstream_error', error: { message: expect.stringMatching(/could not be reached \(ECONNREFUSED\) in 3 attempts/) } });
    expect(await onlyRow(dead, { sessionId: 'dead-1' })).toMatchObject({ status: 502, outcome: 'upstream_unreachable', upstreamAttempts: 3 });
  });

  it('upstream redirect: 502, not followed, Location not passed on', async () => {
    up.reply({ kind: 'raw', status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' }, body: '' });
    const response = await proxy.handle(rawChat(chatBody(), { authorization: `Bearer ${KEY}`, 'x-archestra-session-id': 'redirect-1' }));
    expect(response.status).toBe(502);
    expect(response.headers.get('location')).toBeNull();
    expect((await response.json()).error).toMatchObject({ type: 'upstream_error', message: expect.stringContaining('redirect') });
    expect(up.requests).toHaveLength(1);
    expect(await onlyRow(proxy, { sessionId: 'redirect-1' })).toMatchObject({ status: 502, outcome: 'upstream_error' });
    // The discarded upstream body must not raise an 'error' nobody listens to (that ends the process).
    await new Promise((resolve) => setTimeout(resolve, 50));
  });

  it('upstream 500: the body reaches the client unchanged; the SDK raises InternalServerError with its message', async () => {
    const upstreamError = openAIError('The server had an error while processing your request. Sorry about that!', 'server_error');
    up.reply({ kind: 'error', status: 500, body: upstreamError, headers: { location: 'http://10.0.0.1/internal', 'set-cookie': 'upstream_session=1' } });
    const response = await proxy.handle(rawChat(chatBody(), { authorization: `Bearer ${KEY}` }));
    expect(response.status).toBe(500);
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect([response.headers.get('location'), response.headers.get('set-cookie')]).toEqual([null, null]);
    expect(await response.text()).toBe(JSON.stringify(upstreamError));

    const sdk = new OpenAI({ apiKey: KEY, maxRetries: 0, fetch: createProxyFetch(proxy, { sessionId: 'five-hundred' }) });
    const error = await rejection(sdk.chat.completions.create(chatBody()));
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).toMatchObject({ status: 500, type: 'server_error', message: expect.stringContaining('Sorry about that!') });
    expect(await onlyRow(proxy, { sessionId: 'five-hundred' })).toMatchObject({ status: 500, outcome: 'upstream_error' });
  });
});
