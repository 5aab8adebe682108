/**
 * Issue 16, item 4: rate limits (`limits.rate`) through the real SDKs (their own retries off),
 * JSON and stream: for each limit, just under is served and one over gets 429 with a correct
 * `Retry-After` in the provider's error shape (the SDK raises its RateLimitError), recorded and
 * counted; concurrency is given back when a stream ends and when its client goes away; two
 * proxies on one SQLite file share a limit; a failing counter store refuses (or allows, when
 * configured). The windows run on an injected clock: nothing sleeps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Proxy, createMemoryStore, createProxy, createProxyFetch } from '../../src/index.js';
import type { ProxyConfig } from '../../src/config/schema.js';
import type { RequestContext, Store } from '../../src/types.js';
import { sampleValue } from '../helpers/metrics.js';
import { auditRows } from '../helpers/proxy.js';
import { type RawUpstream, startRawStreamUpstream } from '../helpers/raw-stream-upstream.js';
import { messageBody, streamEvents } from '../upstream/anthropic-wire.js';
import { chunkPayloads, completionBody } from '../upstream/openai-wire.js';

/** Usage the upstream reports: OpenAI JSON 12+7, stream 17+29; Anthropic JSON 14+9, stream 17+29. */
const CHAT_USAGE = { prompt_tokens: 12, completion_tokens: 7 };
const STREAM_USAGE = { prompt_tokens: 17, completion_tokens: 29 };
const T0 = Date.parse('2026-03-01T12:00:00Z');

let up: RawUpstream;
let dir: string;
let clock = T0;
const proxies: Proxy[] = [];
/** Held answers wait for this (`x-test-hold: 1`). */
let releaseHeld: () => void = () => {};

beforeAll(async () => {
  up = await startRawStreamUpstream();
  dir = mkdtempSync(join(tmpdir(), 'archestra-rate-limits-'));
  up.reply((request) => {
    const json = request.json as { model: string; stream?: boolean };
    const hold = request.headers['x-test-hold'] === '1' ? [{ until: new Promise<void>((resolve) => (releaseHeld = resolve)) }] : [];
    if (request.path.includes('/chat/completions')) {
      if (!json.stream) return { headers: { 'content-type': 'application/json' }, steps: [...hold, JSON.stringify(completionBody({ kind: 'chat', content: 'hi', usage: CHAT_USAGE }, json.model))] };
      const events = chunkPayloads({ kind: 'chat', content: 'hello there', usage: STREAM_USAGE }, json.model, true).map((data) => `data: ${data}\n\n`);
      return { steps: [events[0]!, ...hold, ...events.slice(1)] };
    }
    if (!json.stream) return { headers: { 'content-type': 'application/json' }, steps: [JSON.stringify(messageBody({ kind: 'message', text: 'hi', usage: { input_tokens: 14, output_tokens: 9 } }, json.model))] };
    return { steps: streamEvents({ kind: 'message', text: 'hello there', usage: { input_tokens: 17, output_tokens: 29 } }, json.model) };
  });
});
afterEach(() => {
  clock = T0;
});
afterAll(async () => {
  for (const proxy of proxies) await proxy.close();
  await up.close();
  rmSync(dir, { recursive: true, force: true });
});

function proxyWith(rate: NonNullable<ProxyConfig['limits']>['rate'], config: ProxyConfig = {}): Proxy {
  const proxy = createProxy(
    {
      providers: { openai: { baseUrl: `${up.url}/oai/v1`, apiKey: 'sk-rate-tests' }, anthropic: { baseUrl: up.url, apiKey: 'sk-ant-rate-tests' } },
      limits: { rate },
      ...config,
    },
    { now: () => clock },
  );
  proxies.push(proxy);
  return proxy;
}

const openai = (proxy: Proxy, context: RequestContext = {}) => new OpenAI({ apiKey: 'sk-client', baseURL: `${up.url}/oai/v1`, maxRetries: 0, fetch: createProxyFetch(proxy, context) });
const anthropic = (proxy: Proxy, context: RequestContext = {}) => new Anthropic({ apiKey: 'sk-ant-client', baseURL: up.url, maxRetries: 0, fetch: createProxyFetch(proxy, context) });

const ask = (client: OpenAI, model = 'gpt-4o-mini', headers: Record<string, string> = {}) => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }, { headers });
async function askStream(client: OpenAI, headers: Record<string, string> = {}): Promise<string> {
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true }, { headers });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  return text;
}
const askClaude = (client: Anthropic) => client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
async function askClaudeStream(client: Anthropic): Promise<string> {
  const stream = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }], stream: true });
  let text = '';
  for await (const event of stream) if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
  return text;
}

async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError> & InstanceType<typeof Anthropic.APIError>> {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  if (error === null) throw new Error('expected the call to fail, but it was served');
  return error as never;
}

describe('requestsPerMinute', () => {
  it('per agent, JSON and stream (OpenAI SDK): the limit is served, one more is 429 with the seconds until a request frees; other agents and other models are not limited', async () => {
    const proxy = proxyWith([{ scope: 'agent', model: 'gpt-4o*', requestsPerMinute: 2 }]);
    const billing = openai(proxy, { agentId: 'billing' });
    const before = up.requests.length;
    await ask(billing);
    expect(await askStream(billing)).toBe('hello there');

    const json = await failure(ask(billing));
    expect(json).toBeInstanceOf(OpenAI.RateLimitError);
    expect(json.status).toBe(429);
    // A bucket of 2 refills one request every 30 s.
    expect(json.headers?.get('retry-after')).toBe('30');
    expect(json.error).toMatchObject({ type: 'rate_limit_error', message: 'Rate limit "agent:gpt-4o*" reached: 2 requests per minute per agent for models matching "gpt-4o*". Retry after 30 s.' });
    clock = T0 + 12_400;
    const stream = await failure(askStream(billing));
    expect(stream).toBeInstanceOf(OpenAI.RateLimitError);
    expect(stream.headers?.get('retry-after')).toBe('18');
    expect(up.requests.length - before).toBe(2);

    // Another agent, a model outside the glob, and a request naming no agent are not limited.
    await ask(openai(proxy, { agentId: 'support' }));
    await ask(billing, 'o3-mini');
    await ask(openai(proxy));
    // Once the window has refilled one request: exactly one.
    clock = T0 + 30_000;
    await ask(billing);
    expect((await failure(ask(billing))).headers?.get('retry-after')).toBe('30');

    const limited = (await auditRows(proxy)).filter((row) => row.status === 429);
    expect(limited.map((row) => [row.outcome, row.stream, row.agentId])).toEqual([['rate_limited', false, 'billing'], ['rate_limited', true, 'billing'], ['rate_limited', false, 'billing']]);
    expect(limited[0]!.decisions).toEqual([{ kind: 'rate_limit', ruleId: 'agent:gpt-4o*', limit: 'requests_per_minute', scope: 'agent', outcome: 'limited', retryAfterSeconds: 30 }]);
    const metrics = await proxy.registry.metrics();
    expect(sampleValue(metrics, 'llm_rate_limited_total', { provider: 'openai', limit: 'agent:gpt-4o*', type: 'requests_per_minute' })).toBe(3);
  });

  it('per virtual key: each key counts apart, whatever agent the headers claim; a request with a provider key is not limited by it', async () => {
    const proxy = proxyWith([{ scope: 'virtual_key', requestsPerMinute: 1 }]);
    const [first, second] = [await proxy.keys.create({ name: 'first' }), await proxy.keys.create({ name: 'second' })];
    const withKey = (key: string, agentId: string) => new OpenAI({ apiKey: key, baseURL: `${up.url}/oai/v1`, maxRetries: 0, fetch: createProxyFetch(proxy, { agentId }) });
    await ask(withKey(first.key, 'a'));
    const over = await failure(ask(withKey(first.key, 'b')));
    expect(over).toBeInstanceOf(OpenAI.RateLimitError);
    expect(over.headers?.get('retry-after')).toBe('60');
    await ask(withKey(second.key, 'a'));
    await ask(openai(proxy));
    await ask(openai(proxy));
    const limited = (await auditRows(proxy)).filter((row) => row.outcome === 'rate_limited');
    expect(limited.map((row) => row.virtualKeyId)).toEqual([first.id]);
  });

  it('per profile: a profile with its own limits replaces the top-level ones; each profile counts apart', async () => {
    const proxy = proxyWith([{ scope: 'profile', requestsPerMinute: 1 }], { profiles: { strict: { limits: { rate: [{ id: 'strict-profile', scope: 'profile', requestsPerMinute: 2 }] } } } });
    const strict = openai(proxy, {});
    const strictFetch = new OpenAI({ apiKey: 'sk-client', baseURL: `${up.url}/oai/v1`, maxRetries: 0, fetch: createProxyFetch(proxy, { proxyId: 'strict' }) });
    await ask(strict);
    expect((await failure(ask(strict))).status).toBe(429);
    await ask(strictFetch);
    await ask(strictFetch);
    const over = await failure(ask(strictFetch));
    expect(over.error).toMatchObject({ message: expect.stringContaining('Rate limit "strict-profile" reached: 2 requests per minute for this proxy profile.') });
  });
});

describe('tokensPerMinute', () => {
  it('per session, JSON and stream (Anthropic SDK): admitted while a token is left, the answer\'s tokens taken, then 429 until they refill', async () => {
    const proxy = proxyWith([{ scope: 'session', tokensPerMinute: 50 }]);
    const claude = anthropic(proxy, { sessionId: 's1' });
    // 14 + 9 = 23 tokens: 27 left, so the stream is let in; its 17 + 29 = 46 take the bucket to -19.
    await askClaude(claude);
    expect(await askClaudeStream(claude)).toBe('hello there');

    const json = await failure(askClaude(claude));
    expect(json).toBeInstanceOf(Anthropic.RateLimitError);
    // One token back takes 20 tokens of refill at 1.2 s a token.
    expect(json.headers?.get('retry-after')).toBe('24');
    expect(json.error).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'Rate limit "session" reached: 50 tokens per minute per session. Retry after 24 s.' } });
    clock = T0 + 23_000;
    const stream = await failure(askClaudeStream(claude));
    expect(stream).toBeInstanceOf(Anthropic.RateLimitError);
    expect(stream.headers?.get('retry-after')).toBe('1');
    // Another session has its own bucket.
    await askClaude(anthropic(proxy, { sessionId: 's2' }));
    clock = T0 + 24_000;
    await askClaude(claude);

    const rows = (await auditRows(proxy)).filter((row) => row.sessionId === 's1');
    expect(rows.map((row) => [row.status, row.stream, row.inputTokens, row.outputTokens])).toEqual([
      [200, false, 14, 9], [200, true, 17, 29], [429, false, null, null], [429, true, null, null], [200, false, 14, 9],
    ]);
  });
});

describe('concurrent', () => {
  it('a stream holds its place until it ends (OpenAI SDK): one more is 429 with Retry-After 1; once ended, the next is served', async () => {
    const proxy = proxyWith([{ scope: 'user', concurrent: 1 }]);
    const client = openai(proxy, { userId: 'ana' });
    const held = askStream(client, { 'x-test-hold': '1' });
    await expect.poll(() => up.requests.at(-1)?.headers['x-test-hold']).toBe('1');

    const over = await failure(ask(client));
    expect(over).toBeInstanceOf(OpenAI.RateLimitError);
    expect(over.headers?.get('retry-after')).toBe('1');
    expect(over.error).toMatchObject({ message: 'Rate limit "user" reached: 1 requests at once per user. Retry after 1 s.' });
    const overStream = await failure(askStream(client));
    expect(overStream).toBeInstanceOf(OpenAI.RateLimitError);
    // Another user is not held back.
    await ask(openai(proxy, { userId: 'ben' }));

    releaseHeld();
    expect(await held).toBe('hello there');
    await ask(client);
    expect(await askStream(client)).toBe('hello there');
  });

  it('a stream whose client goes away gives its place back', async () => {
    const proxy = proxyWith([{ scope: 'execution', concurrent: 1 }]);
    const client = openai(proxy, { executionId: 'run-1' });
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true }, { headers: { 'x-test-hold': '1' }, signal: controller.signal });
    const reading = (async () => {
      for await (const _chunk of stream);
    })().catch(() => {});
    expect((await failure(ask(client))).status).toBe(429);
    controller.abort();
    await reading;
    await expect.poll(async () => (await auditRows(proxy)).some((row) => row.outcome === 'client_aborted')).toBe(true);
    releaseHeld();
    await ask(client);
  });
});

describe('a shared store', () => {
  it('two proxies on one SQLite file share a limit', async () => {
    const store = join(dir, 'shared.db');
    const a = proxyWith([{ scope: 'agent', requestsPerMinute: 3 }], { store });
    const b = proxyWith([{ scope: 'agent', requestsPerMinute: 3 }], { store });
    await ask(openai(a, { agentId: 'shared' }));
    await ask(openai(b, { agentId: 'shared' }));
    expect(await askStream(openai(a, { agentId: 'shared' }))).toBe('hello there');
    expect((await failure(ask(openai(b, { agentId: 'shared' })))).headers?.get('retry-after')).toBe('20');
    expect((await failure(ask(openai(a, { agentId: 'shared' })))).headers?.get('retry-after')).toBe('20');
    clock = T0 + 20_000;
    await ask(openai(b, { agentId: 'shared' }));
    expect((await failure(ask(openai(a, { agentId: 'shared' })))).status).toBe(429);
  });
});

/** A store whose rate counters fail (a lost connection): everything else works. */
function failingCounters(): Store {
  const store = createMemoryStore();
  return Object.assign(store, {
    rateCounters: {
      admit: () => Promise.reject(new Error('connection lost')),
      spend: () => Promise.reject(new Error('connection lost')),
      release: () => Promise.reject(new Error('connection lost')),
      renew: () => Promise.reject(new Error('connection lost')),
    },
  });
}

describe('when the counters fail', () => {
  it('refuses with 503 and Retry-After by default (fail closed); allows with onStoreError: allow', async () => {
    const refusing = proxyWith([{ scope: 'profile', requestsPerMinute: 100 }], { store: failingCounters() });
    const refused = await failure(ask(openai(refusing)));
    expect(refused).toBeInstanceOf(OpenAI.InternalServerError);
    expect(refused.status).toBe(503);
    expect(refused.headers?.get('retry-after')).toBe('1');
    expect(refused.error).toMatchObject({ message: 'The rate-limit counters could not be read, so the request was refused; retry shortly.' });
    const [row] = await auditRows(refusing);
    expect(row).toMatchObject({ status: 503, outcome: 'rejected', decisions: [{ kind: 'rate_limit', ruleId: 'profile', outcome: 'store_error' }] });

    const allowing = proxyWith([{ scope: 'profile', concurrent: 1, onStoreError: 'allow' }], { store: failingCounters() });
    await ask(openai(allowing));
    expect(await askStream(openai(allowing))).toBe('hello there');
  });

  it('a store without counters of its own: they are kept in the process', async () => {
    const { rateCounters: _none, ...rest } = createMemoryStore();
    const proxy = proxyWith([{ scope: 'profile', requestsPerMinute: 1 }], { store: rest as Store });
    await ask(openai(proxy));
    expect((await failure(ask(openai(proxy)))).status).toBe(429);
  });
});

describe('other wire formats', () => {
  it('Gemini and Ollama get their own 429 shape with Retry-After', async () => {
    const limited = createProxy({ providers: { gemini: { baseUrl: up.url, apiKey: 'g-key' }, ollama: { baseUrl: up.url } }, limits: { rate: [{ scope: 'agent', requestsPerMinute: 1 }] } }, { now: () => clock });
    proxies.push(limited);
    // The first request of each agent takes its bucket (what the upstream answers does not matter here).
    const gemini = (agent: string) => new Request('http://proxy/gemini/v1beta/models/gemini-2.5-flash:generateContent', { method: 'POST', headers: { 'content-type': 'application/json', 'x-archestra-agent-id': agent }, body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }) });
    const ollama = (agent: string) => new Request('http://proxy/ollama/api/chat', { method: 'POST', headers: { 'content-type': 'application/json', 'x-archestra-agent-id': agent }, body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], stream: false }) });
    await (await limited.handle(gemini('g'))).body?.cancel();
    const geminiOver = await limited.handle(gemini('g'));
    expect(geminiOver.status).toBe(429);
    expect(geminiOver.headers.get('retry-after')).toBe('60');
    expect(await geminiOver.json()).toEqual({ error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'Rate limit "agent" reached: 1 requests per minute per agent. Retry after 60 s.' } });
    await (await limited.handle(ollama('o'))).body?.cancel();
    const ollamaOver = await limited.handle(ollama('o'));
    expect(ollamaOver.status).toBe(429);
    expect(ollamaOver.headers.get('retry-after')).toBe('60');
    expect(await ollamaOver.json()).toEqual({ error: 'Rate limit "agent" reached: 1 requests per minute per agent. Retry after 60 s.' });
  });
});
