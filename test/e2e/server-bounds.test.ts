/**
 * Issue 14, item 5: connections and streams are bounded, each bound tested at its edge (just
 * under: served; just over: refused cleanly; nothing left open). The bundled server (in process,
 * `startServer`) against a byte-level scripted upstream: slow clients are cut by the header and
 * request timeouts, connections beyond `server.maxConnections` get a 503 with `Retry-After` in
 * their provider's shape, and a client that goes away mid-stream closes the upstream connection
 * rather than leaving it open. (The in-flight cap, `limits.maxInFlight`: proxy-bounds.test.ts.)
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { type AddressInfo, type Socket, connect } from 'node:net';
import OpenAI from 'openai';
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningServer, type StartServerOptions, startServer } from '../../src/cli/server.js';
import { ConfigError, type Proxy, createProxyFetch } from '../../src/index.js';
import { auditRows, chatBody } from '../helpers/proxy.js';
import { type RawUpstream, startRawStreamUpstream } from '../helpers/raw-stream-upstream.js';
import { FORMAT, TEXT, proxyFor } from '../helpers/stream-formats.js';

let up: RawUpstream;
const made: Proxy[] = [];
const running: RunningServer[] = [];

beforeAll(async () => {
  up = await startRawStreamUpstream();
});
afterEach(() => up.reset());
afterAll(async () => {
  for (const { server } of running) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  for (const proxy of made) await proxy.close();
  await up.close();
});

/** A proxy for every provider at the scripted upstream (`proxyFor`), closed after the suite. */
function proxyAtUpstream(config: Parameters<typeof proxyFor>[1] = {}, upstreamUrl = up.url): Proxy {
  const proxy = proxyFor(upstreamUrl, config);
  made.push(proxy);
  return proxy;
}

/** The bundled server (in process) in front of such a proxy. */
async function serve(options: StartServerOptions, proxy = proxyAtUpstream()): Promise<{ proxy: Proxy; server: RunningServer; port: number }> {
  const server = await startServer(proxy, '127.0.0.1', 0, options);
  running.push(server);
  return { proxy, server, port: (server.server.address() as AddressInfo).port };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A raw TCP client: what it received, and whether the server closed the connection. */
function rawClient(port: number) {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, connected, closed, received: () => received, isClosed: () => socket.destroyed || socket.readyState === 'closed' };
}

/** Writes `pieces` one by one, `everyMs` apart, until done or the server closed the connection. */
async function trickle(socket: Socket, pieces: string[], everyMs: number): Promise<number> {
  let sent = 0;
  for (const piece of pieces) {
    if (socket.destroyed || !socket.writable) break;
    socket.write(piece);
    sent++;
    await sleep(everyMs);
  }
  return sent;
}

const CHAT_PATH = '/v1/openai/chat/completions';

function chatHead(length: number, extra = ''): string {
  return `POST ${CHAT_PATH} HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer sk-bounds\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`;
}

describe('5a: slow clients cannot hold a connection (server.headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs)', () => {
  let port: number;
  let proxy: Proxy;
  beforeAll(async () => {
    ({ port, proxy } = await serve({ headersTimeoutMs: 500, requestTimeoutMs: 1500, keepAliveTimeoutMs: 1000 }));
  });

  it('headers trickled past the headers timeout: 408 and the connection closed; nothing reaches the upstream', async () => {
    const client = rawClient(port);
    await client.connected;
    const lines = [`POST ${CHAT_PATH} HTTP/1.1\r\n`, ...Array.from({ length: 60 }, (_, i) => `X-Slow-${i}: x\r\n`)];
    const sent = await trickle(client.socket, lines, 100);
    await client.closed;
    expect(sent).toBeLessThan(lines.length);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(up.requests).toHaveLength(0);
  });

  it('a body trickled past the request timeout: 408 and the connection closed; nothing reaches the upstream; the request has its row', async () => {
    const body = JSON.stringify(chatBody('trickled too slowly'));
    const client = rawClient(port);
    await client.connected;
    client.socket.write(chatHead(Buffer.byteLength(body), 'X-Archestra-Session-Id: trickle-over\r\n'));
    const sent = await trickle(client.socket, body.split(''), 100);
    await client.closed;
    expect(sent).toBeLessThan(body.length);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(up.requests).toHaveLength(0);
    await vi.waitFor(async () => expect(await auditRows(proxy, { sessionId: 'trickle-over' })).toHaveLength(1), { timeout: 2000 });
  });

  it('a body trickled within the request timeout is served', async () => {
    up.reply({ headers: { 'content-type': 'application/json' }, steps: [JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'on time' }, finish_reason: 'stop' }] })] });
    const body = JSON.stringify(chatBody('trickled in time'));
    const client = rawClient(port);
    await client.connected;
    client.socket.write(chatHead(Buffer.byteLength(body), 'Connection: close\r\n'));
    const quarter = Math.ceil(body.length / 4);
    await trickle(client.socket, [0, 1, 2, 3].map((i) => body.slice(i * quarter, (i + 1) * quarter)), 100);
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(client.received()).toContain('on time');
  });

  it('a stream that lasts longer than the request timeout is served whole (the timeout is for receiving the request)', async () => {
    const golden = FORMAT.chat.golden();
    up.reply({ headers: { 'content-type': FORMAT.chat.contentType }, steps: [golden[0]!, { delayMs: 1800 }, ...golden.slice(1)] });
    const response = await fetch(`http://127.0.0.1:${port}${CHAT_PATH}`, { method: 'POST', headers: { authorization: 'Bearer sk-bounds', 'content-type': 'application/json' }, body: JSON.stringify(chatBody('hi', { stream: true })) });
    const output = await response.text();
    expect(FORMAT.chat.succeeded(output)).toBe(true);
    expect(FORMAT.chat.text(output)).toBe(TEXT);
  });

  it('an idle keep-alive connection is announced and closed after the keep-alive timeout', async () => {
    const client = rawClient(port);
    await client.connected;
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: proxy\r\n\r\n');
    await vi.waitFor(() => expect(client.received()).toContain('{"status":"ok"}'), { timeout: 2000 });
    expect(client.received()).toMatch(/keep-alive: timeout=1\r\n/i);
    await client.closed;
  });
});

describe('5b: connections beyond server.maxConnections', () => {
  it('under the cap: served; over it: 503 with Retry-After in the provider shape, connection closed; from twice the cap: closed unread; once they are gone: served again', async () => {
    up.reply({ headers: { 'content-type': 'application/json' }, steps: [JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'served' }, finish_reason: 'stop' }] })] });
    const { port, proxy, server } = await serve({ maxConnections: 2 });
    const baseURL = `http://127.0.0.1:${port}/v1/openai`;
    /** An SDK client on connections of its own. */
    const sdk = () => {
      const dispatcher = new Agent();
      return { dispatcher, client: new OpenAI({ apiKey: 'sk-bounds', baseURL, maxRetries: 0, fetchOptions: { dispatcher } as OpenAI.RequestOptions['fetchOptions'] }) };
    };
    const ask = (client: OpenAI, sessionId: string) => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'X-Archestra-Session-Id': sessionId } });

    const idle = rawClient(port);
    await idle.connected;
    // The second connection: just under the cap.
    const under = sdk();
    expect((await ask(under.client, 'conn-under')).choices[0]?.message.content).toBe('served');

    // The third: over it.
    const over = sdk();
    const refused = (await ask(over.client, 'conn-over').catch((error: unknown) => error)) as InstanceType<typeof OpenAI.APIError>;
    expect(refused).toBeInstanceOf(OpenAI.APIError);
    expect(refused.status).toBe(503);
    expect(refused.headers?.get('retry-after')).toBe('1');
    expect(refused.error).toMatchObject({ type: 'overloaded_error', message: 'The server is at its limit of 2 connections; retry shortly.' });
    await over.dispatcher.close();

    // Over-cap connections are read (and answered) up to twice the cap; beyond it they are closed unread.
    const third = rawClient(port);
    const fourth = rawClient(port);
    await Promise.all([third.connected, fourth.connected]);
    await vi.waitFor(async () => expect(await connections(server)).toBe(4), { timeout: 2000 });
    const fifth = rawClient(port);
    fifth.socket.write('GET /healthz HTTP/1.1\r\nHost: proxy\r\n\r\n');
    await fifth.closed;
    expect(fifth.received()).toBe('');
    // A request on an over-cap connection outside the proxy's mount is refused too, and the connection closed.
    third.socket.write('GET /healthz HTTP/1.1\r\nHost: proxy\r\n\r\n');
    await third.closed;
    expect(third.received()).toMatch(/^HTTP\/1\.1 503 [^]*retry-after: 1\r\n/i);

    for (const client of [idle, fourth]) client.socket.destroy();
    await under.dispatcher.close();
    await vi.waitFor(async () => expect(await connections(server)).toBe(0), { timeout: 2000 });
    const again = sdk();
    expect((await ask(again.client, 'conn-again')).choices[0]?.message.content).toBe('served');
    await again.dispatcher.close();

    const rows = await auditRows(proxy);
    expect(rows.map((row) => [row.sessionId, row.status, row.outcome])).toEqual([
      ['conn-under', 200, 'ok'],
      // Refused before its headers were read: no client-given id is trusted.
      [null, 503, 'rejected'],
      ['conn-again', 200, 'ok'],
    ]);
    expect(rows[1]).toMatchObject({ provider: 'openai', operation: 'chat', error: 'The server is at its limit of 2 connections; retry shortly.' });
  });
});

function connections(server: RunningServer): Promise<number> {
  return new Promise((resolve, reject) => server.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}

describe('5c: a stream its client abandons releases its upstream connection', () => {
  /** An upstream that keeps idle connections for a minute, counts them, and never ends a stream. */
  let openSockets = 0;
  let upstreamUrl: string;
  const hanging = createServer((_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] })}\n\n`);
  });
  hanging.keepAliveTimeout = 60_000;
  hanging.on('connection', (socket: Socket) => {
    openSockets++;
    socket.once('close', () => openSockets--);
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    hanging.closeAllConnections();
    await new Promise((resolve) => hanging.close(resolve));
  });

  it('through the bundled server: the client aborts after the first event; the upstream connection is closed, the row says client_aborted', async () => {
    const { server, proxy } = await serve({}, proxyAtUpstream({}, upstreamUrl));
    const abort = new AbortController();
    const response = await fetch(`${server.url}${CHAT_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-archestra-session-id': 'abandoned-server' }, body: JSON.stringify(chatBody('hi', { stream: true })), signal: abort.signal });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('Hel');
    expect(openSockets).toBe(1);
    abort.abort();
    await vi.waitFor(() => expect(openSockets).toBe(0), { timeout: 3000 });
    await vi.waitFor(async () => expect(await auditRows(proxy, { sessionId: 'abandoned-server' })).toMatchObject([{ outcome: 'client_aborted' }]), { timeout: 2000 });
  });

  it('in process: the SDK stops reading (break); the upstream connection is closed', async () => {
    const proxy = proxyAtUpstream({}, upstreamUrl);
    const openai = new OpenAI({ apiKey: 'sk-bounds', baseURL: `${upstreamUrl}/v1`, maxRetries: 0, fetch: createProxyFetch(proxy, { sessionId: 'abandoned-sdk' }) });
    for await (const chunk of await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true })) {
      expect(chunk.choices[0]?.delta.content).toBe('Hel');
      expect(openSockets).toBe(1);
      break;
    }
    await vi.waitFor(() => expect(openSockets).toBe(0), { timeout: 3000 });
    await vi.waitFor(async () => expect(await auditRows(proxy, { sessionId: 'abandoned-sdk' })).toMatchObject([{ outcome: 'client_aborted' }]), { timeout: 2000 });
  });
});

describe('server limits are checked', () => {
  it('a bad value or a headers timeout longer than the request timeout is a ConfigError naming the field', async () => {
    const proxy = proxyAtUpstream();
    await expect(startServer(proxy, '127.0.0.1', 0, { maxConnections: 0 })).rejects.toThrow(/server\.maxConnections: expected a whole number, 1 or more; got 0/);
    await expect(startServer(proxy, '127.0.0.1', 0, { headersTimeoutMs: 20_000, requestTimeoutMs: 10_000 })).rejects.toBeInstanceOf(ConfigError);
    await expect(startServer(proxy, '127.0.0.1', 0, { headersTimeoutMs: 20_000, requestTimeoutMs: 10_000 })).rejects.toThrow(/server\.headersTimeoutMs: expected at most server\.requestTimeoutMs/);
  });
});
