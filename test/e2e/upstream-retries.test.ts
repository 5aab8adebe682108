/**
 * U1-U3 (SECURITY-TESTS.md): the proxy retries an upstream that failed before answering (refused,
 * reset, DNS, 429, 500, 502, 503, 529), with jittered backoff or the upstream's Retry-After within
 * a cap, within an attempt cap and a deadline; gives up with a clean error in the provider's shape
 * (or passes a 429 and a long Retry-After on); never retries once the answer began. The real SDKs
 * run with their own retries off (maxRetries: 0), so every upstream hit counted here is the proxy's.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProxy, createProxyFetch, type Proxy } from '../../src/index.js';
import type { ProxyConfig } from '../../src/config/schema.js';
import { closedPort, onlyRow, rawChat, chatBody, rejection } from '../helpers/proxy.js';
import { sampleValue } from '../helpers/metrics.js';
import { startRawStreamUpstream, type RawUpstream } from '../helpers/raw-stream-upstream.js';
import { startAnthropicUpstream, type ScriptedAnthropic } from '../upstream/anthropic.js';
import { DEFAULT_CHAT_REPLY, type ChatReply, chunkPayloads, completionBody } from '../upstream/openai.js';

const KEY = 'sk-test-retries-0123456789abcdef';
/** Fast backoff: the suite never sleeps long. */
const FAST = { baseDelayMs: 1, maxDelayMs: 4 };

/** What the flaky upstream does with one request before it answers well. */
type Failure = 'reset' | { status: number; headers?: Record<string, string>; body?: string };

/**
 * An OpenAI upstream that fails the next requests as scripted (`fail`), then answers each request
 * with a chat completion, JSON or streamed as asked; counts every request it got.
 */
interface FlakyUpstream {
  baseUrl: string;
  hits: number;
  fail(...failures: Failure[]): void;
  reset(): void;
  close(): Promise<void>;
}

async function startFlakyUpstream(): Promise<FlakyUpstream> {
  let failures: Failure[] = [];
  const state = { hits: 0 };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      state.hits++;
      const failure = failures.shift();
      // A crashed upstream: the connection goes down before a status line.
      if (failure === 'reset') return void request.socket.destroy();
      if (failure) {
        response.writeHead(failure.status, { 'content-type': 'application/json', ...failure.headers });
        return void response.end(failure.body ?? JSON.stringify({ error: { message: `scripted ${failure.status}`, type: 'server_error' } }));
      }
      const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { model: string; stream?: boolean };
      const reply = DEFAULT_CHAT_REPLY as ChatReply;
      if (!json.stream) {
        response.writeHead(200, { 'content-type': 'application/json' });
        return void response.end(JSON.stringify(completionBody(reply, json.model)));
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(chunkPayloads(reply, json.model, true).map((data) => `data: ${data}\n\n`).join(''));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get hits() {
      return state.hits;
    },
    fail(...next) {
      failures.push(...next);
    },
    reset() {
      failures = [];
      state.hits = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  } as FlakyUpstream;
}

let up: FlakyUpstream;
const opened: Proxy[] = [];

function newProxy(retries: NonNullable<ProxyConfig['upstream']>['retries'] = FAST, baseUrl = up.baseUrl): Proxy {
  const proxy = createProxy({ providers: { openai: { baseUrl }, anthropic: { baseUrl: anthropic?.url } }, upstream: { retries } });
  opened.push(proxy);
  return proxy;
}

function openai(proxy: Proxy, sessionId: string): OpenAI {
  return new OpenAI({ apiKey: KEY, maxRetries: 0, fetch: createProxyFetch(proxy, { sessionId }) });
}

async function retries(proxy: Proxy, provider: string, reason: string): Promise<number | undefined> {
  return sampleValue(await proxy.registry.metrics(), 'llm_upstream_retries_total', { provider, reason });
}

let anthropic: ScriptedAnthropic | undefined;

beforeAll(async () => {
  up = await startFlakyUpstream();
  anthropic = await startAnthropicUpstream();
});
beforeEach(() => {
  up.reset();
  anthropic?.reset();
});
afterAll(async () => {
  for (const proxy of opened) await proxy.close();
  await up.close();
  await anthropic?.close();
});

describe('U2: failures before the answer are retried', () => {
  it('500 then 502 then an answer: the SDK gets the answer; 3 upstream hits; the row and the metric count them', async () => {
    const proxy = newProxy();
    up.fail({ status: 500 }, { status: 502 });
    const answer = await openai(proxy, 'json-3').chat.completions.create(chatBody());
    expect(answer.choices[0]?.message.content).toBeTruthy();
    expect(up.hits).toBe(3);
    expect(await onlyRow(proxy, { sessionId: 'json-3' })).toMatchObject({ status: 200, outcome: 'ok', upstreamAttempts: 3 });
    expect(await retries(proxy, 'openai', 'http_500')).toBe(1);
    expect(await retries(proxy, 'openai', 'http_502')).toBe(1);
  });

  it('a stream: 503, then a reset before any header, then the stream: every chunk reaches the SDK once', async () => {
    const proxy = newProxy();
    up.fail({ status: 503 }, 'reset');
    const texts: string[] = [];
    for await (const chunk of await openai(proxy, 'stream-3').chat.completions.create({ ...chatBody(), stream: true })) texts.push(chunk.choices[0]?.delta.content ?? '');
    expect(texts.join('')).toBe((DEFAULT_CHAT_REPLY as ChatReply).content);
    expect(up.hits).toBe(3);
    expect(await onlyRow(proxy, { sessionId: 'stream-3' })).toMatchObject({ status: 200, outcome: 'ok', stream: true, upstreamAttempts: 3 });
    expect(await retries(proxy, 'openai', 'http_503')).toBe(1);
    expect(await retries(proxy, 'openai', 'connection_reset')).toBe(1);
  });

  it('Anthropic 529 (overloaded) twice, then the message: the Anthropic SDK gets it', async () => {
    const proxy = newProxy();
    const overloaded = { kind: 'error' as const, status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } };
    anthropic!.replyOnce(overloaded);
    anthropic!.replyOnce(overloaded);
    const sdk = new Anthropic({ apiKey: KEY, maxRetries: 0, fetch: createProxyFetch(proxy, { sessionId: 'five-29' }) });
    const message = await sdk.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    expect(message.content.length).toBeGreaterThan(0);
    expect(anthropic!.requests).toHaveLength(3);
    expect(await onlyRow(proxy, { sessionId: 'five-29' })).toMatchObject({ status: 200, upstreamAttempts: 3 });
    expect(await retries(proxy, 'anthropic', 'http_529')).toBe(2);
  });

  it('a request body is replayed byte for byte', async () => {
    const bodies: string[] = [];
    const capture = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString('utf8'));
        response.writeHead(bodies.length === 1 ? 503 : 200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(bodies.length === 1 ? { error: { message: 'busy' } } : completionBody(DEFAULT_CHAT_REPLY as ChatReply, 'gpt-4o-mini')));
      });
    });
    await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
    try {
      const replaying = newProxy(FAST, `http://127.0.0.1:${(capture.address() as AddressInfo).port}/v1`);
      await openai(replaying, 'replay').chat.completions.create(chatBody('Grüezi ☀️'));
      expect(bodies).toHaveLength(2);
      expect(bodies[1]).toBe(bodies[0]);
    } finally {
      capture.closeAllConnections();
      await new Promise((resolve) => capture.close(resolve));
    }
  });
});

describe('U2: when every attempt failed, a clean error in the provider shape', () => {
  it('always 500 (a traceback quoting the key): 502 naming the status and attempts; nothing of the upstream body', async () => {
    const proxy = newProxy();
    const body = JSON.stringify({ detail: `Traceback (most recent call last): File "/srv/app/router.py", line 12; api_key=${KEY}` });
    up.fail({ status: 500, body }, { status: 500, body }, { status: 500, body }, { status: 500, body });
    const response = await proxy.handle(rawChat(chatBody(), { authorization: `Bearer ${KEY}`, 'x-archestra-session-id': 'all-500' }));
    expect(response.status).toBe(502);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: expect.objectContaining({ message: 'The upstream answered 500 in 3 attempts.', type: 'upstream_error' }) });
    expect(text).not.toMatch(/Traceback|router\.py|sk-test/);
    expect(up.hits).toBe(3);
    expect(await onlyRow(proxy, { sessionId: 'all-500' })).toMatchObject({ status: 502, outcome: 'upstream_error', upstreamAttempts: 3, error: 'The upstream answered 500 in 3 attempts.' });
  });

  it('always 503 with Retry-After 0: 503 with its Retry-After; the OpenAI SDK raises InternalServerError', async () => {
    const proxy = newProxy();
    const busy = { status: 503, headers: { 'retry-after': '0' } };
    up.fail(busy, busy, busy);
    const response = await proxy.handle(rawChat(chatBody(), { authorization: `Bearer ${KEY}` }));
    expect([response.status, response.headers.get('retry-after')]).toEqual([503, '0']);
    expect(up.hits).toBe(3);
    up.fail(busy, busy, busy);
    expect(await rejection(openai(proxy, 'all-503').chat.completions.create(chatBody()))).toBeInstanceOf(OpenAI.InternalServerError);
  });

  it('Anthropic always 529: 503 in Anthropic shape', async () => {
    const proxy = newProxy();
    anthropic!.reply({ kind: 'error', status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    const sdk = new Anthropic({ apiKey: KEY, maxRetries: 0, fetch: createProxyFetch(proxy, { sessionId: 'all-529' }) });
    const error = await rejection(sdk.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }));
    expect(error).toMatchObject({ status: 503, type: 'api_error', apiMessage: 'The upstream answered 529 in 3 attempts.' });
    expect(anthropic!.requests).toHaveLength(3);
  });

  it('connection refused: 502 after 3 attempts, counted as connection_refused', async () => {
    const proxy = newProxy(FAST, `http://127.0.0.1:${await closedPort()}/v1`);
    const error = await rejection(openai(proxy, 'refused').chat.completions.create(chatBody()));
    expect(error).toMatchObject({ status: 502, error: { message: 'The upstream could not be reached (ECONNREFUSED) in 3 attempts.' } });
    expect(await onlyRow(proxy, { sessionId: 'refused' })).toMatchObject({ status: 502, outcome: 'upstream_unreachable', upstreamAttempts: 3 });
    expect(await retries(proxy, 'openai', 'connection_refused')).toBe(2);
  });

  it('a host that does not resolve: 502 after 3 attempts, counted as dns_failure', async () => {
    const proxy = newProxy(FAST, 'http://no-such-host.invalid/v1');
    const error = await rejection(openai(proxy, 'dns').chat.completions.create(chatBody()));
    expect(error).toMatchObject({ status: 502, error: { message: expect.stringMatching(/could not be reached \((ENOTFOUND|EAI_AGAIN)\) in 3 attempts/) } });
    expect(await retries(proxy, 'openai', 'dns_failure')).toBe(2);
  });

  it('attempts: 0 turns retrying off: one hit, the upstream error passes as it came', async () => {
    const proxy = newProxy({ attempts: 0 });
    up.fail({ status: 500, body: '{"error":{"message":"as it came"}}' });
    const response = await proxy.handle(rawChat(chatBody(), { authorization: `Bearer ${KEY}` }));
    expect([response.status, await response.text()]).toEqual([500, '{"error":{"message":"as it came"}}']);
    expect(up.hits).toBe(1);
  });

  it('a 400 or 401 is never retried', async () => {
    const proxy = newProxy();
    up.fail({ status: 400 }, { status: 401 });
    expect((await proxy.handle(rawChat(chatBody(), { authorization: `Bearer ${KEY}` }))).status).toBe(400);
    expect((await proxy.handle(rawChat(chatBody(), { authorization: `Bearer ${KEY}` }))).status).toBe(401);
    expect(up.hits).toBe(2);
  });
});

describe('U1: 429 and Retry-After', () => {
  const limited = (headers: Record<string, string>): Failure => ({ status: 429, headers, body: JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }) });
  const send = (proxy: Proxy) => proxy.handle(rawChat(chatBody(), { authorization: `Bearer ${KEY}` }));

  it('a Retry-After within maxRetryAfterMs is waited out (seconds, HTTP-date past, retry-after-ms): then the answer', async () => {
    const proxy = newProxy({ ...FAST, maxRetryAfterMs: 500 });
    up.fail(limited({ 'retry-after': '0' }), limited({ 'retry-after': new Date(Date.now() - 60_000).toUTCString() }));
    expect((await send(proxy)).status).toBe(200);
    expect(up.hits).toBe(3);
    up.reset();
    up.fail(limited({ 'retry-after-ms': '20', 'retry-after': '86400' }));
    expect((await send(proxy)).status).toBe(200);
    expect(up.hits).toBe(2);
    expect(await retries(proxy, 'openai', 'http_429')).toBe(3);
  });

  it('beyond maxRetryAfterMs (86400 s, an HTTP-date an hour ahead, retry-after-ms): the 429 goes to the client at once, with its Retry-After', async () => {
    const proxy = newProxy({ ...FAST, maxRetryAfterMs: 500 });
    const inAnHour = new Date(Date.now() + 3_600_000).toUTCString();
    const hints: Record<string, string>[] = [{ 'retry-after': '86400' }, { 'retry-after': inAnHour }, { 'retry-after-ms': '600' }, { 'retry-after': '1' }];
    for (const headers of hints) {
      up.reset();
      up.fail(limited(headers));
      const response = await send(proxy);
      expect(response.status, JSON.stringify(headers)).toBe(429);
      expect(response.headers.get('retry-after') ?? response.headers.get('retry-after-ms')).toBe(Object.values(headers)[0]);
      expect((await response.json()).error.message).toBe('Rate limit reached');
      expect(up.hits, JSON.stringify(headers)).toBe(1);
    }
    // The SDK raises its own rate-limit error, as without the proxy.
    up.reset();
    up.fail(limited({ 'retry-after': '86400' }));
    expect(await rejection(openai(proxy, 'long-429').chat.completions.create(chatBody()))).toBeInstanceOf(OpenAI.RateLimitError);
  });

  it('a negative or garbage Retry-After is ignored: the proxy backs off on its own and retries', async () => {
    const proxy = newProxy();
    up.fail(limited({ 'retry-after': '-5' }), limited({ 'retry-after': 'soon' }));
    expect((await send(proxy)).status).toBe(200);
    expect(up.hits).toBe(3);
  });

  it('a 429 still there after the last attempt goes to the client as the upstream sent it', async () => {
    const proxy = newProxy();
    up.fail(limited({ 'retry-after': '0' }), limited({ 'retry-after': '0' }), limited({ 'retry-after': '0' }));
    const response = await proxy.handle(rawChat(chatBody(), { authorization: `Bearer ${KEY}`, 'x-archestra-session-id': 'still-429' }));
    expect([response.status, response.headers.get('retry-after')]).toEqual([429, '0']);
    expect(up.hits).toBe(3);
    expect(await onlyRow(proxy, { sessionId: 'still-429' })).toMatchObject({ status: 429, outcome: 'upstream_error', upstreamAttempts: 3 });
  });

  it('the deadline counts the waits: no retry starts past deadlineMs', async () => {
    // Each wait is 500 ms: a second one would end 1,000 ms after the start, past the 800 ms deadline.
    const proxy = newProxy({ ...FAST, attempts: 5, maxRetryAfterMs: 1_000, deadlineMs: 800 });
    up.fail(limited({ 'retry-after-ms': '500' }), limited({ 'retry-after-ms': '500' }), limited({ 'retry-after-ms': '500' }));
    expect((await send(proxy)).status).toBe(429);
    expect(up.hits).toBe(2);
  });

  it('a client that goes away while the proxy waits: no further upstream request; the row says client_aborted', async () => {
    const proxy = newProxy({ ...FAST, maxRetryAfterMs: 10_000 });
    up.fail(limited({ 'retry-after': '5' }));
    const controller = new AbortController();
    const request = rawChat(chatBody(), { authorization: `Bearer ${KEY}`, 'x-archestra-session-id': 'gone' });
    const pending = proxy.handle(new Request(request, { signal: controller.signal }));
    while (up.hits === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    expect((await pending).status).toBe(499);
    expect(up.hits).toBe(1);
    expect(await onlyRow(proxy, { sessionId: 'gone' })).toMatchObject({ outcome: 'client_aborted', upstreamAttempts: 1 });
  });
});

describe('U3: never a retry once the answer began', () => {
  let raw: RawUpstream;
  beforeAll(async () => {
    raw = await startRawStreamUpstream();
  });
  afterAll(() => raw.close());

  it('a stream cut after its first event: one upstream hit, the SDK gets the event and then an error', async () => {
    const proxy = newProxy(FAST, `${raw.url}/v1`);
    const first = chunkPayloads(DEFAULT_CHAT_REPLY as ChatReply, 'gpt-4o-mini', false)[1]!;
    raw.reply({ steps: [`data: ${first}\n\n`, { destroy: true }] });
    const seen: string[] = [];
    const error = await rejection((async () => {
      for await (const chunk of await openai(proxy, 'cut').chat.completions.create({ ...chatBody(), stream: true })) seen.push(chunk.choices[0]?.delta.content ?? '');
    })());
    expect(seen).toHaveLength(1);
    expect(String((error as Error).message)).toMatch(/broke off mid-stream/);
    expect(raw.requests).toHaveLength(1);
    expect(await onlyRow(proxy, { sessionId: 'cut' })).toMatchObject({ status: 200, outcome: 'upstream_error', upstreamAttempts: 1 });
  });
});

describe('configuration', () => {
  it('is validated, naming the field', () => {
    expect(() => createProxy({ upstream: { retries: { attempts: -1 } } })).toThrow(/upstream\.retries\.attempts/);
    expect(() => createProxy({ upstream: { retries: { baseDelayMs: 100, maxDelayMs: 10 } } })).toThrow(/upstream\.retries\.maxDelayMs/);
    expect(() => createProxy({ upstream: { retries: { tries: 3 } as never } })).toThrow(/tries/);
  });
});
