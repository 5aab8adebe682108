/**
 * Header edges on the wire (SECURITY-TESTS.md I3, I4, I5, U5, U6): raw sockets against the bundled
 * server (in process, `startServer`) and against the Node bridge on a plain `http.createServer`,
 * and an upstream below HTTP (../helpers/raw-wire-upstream.ts) that records the request head the
 * proxy wrote and answers with headers a `node:http` server would not send.
 *
 * What holds: a header value with CR, LF or NUL, a folded header, and every smuggling shape
 * (Content-Length with Transfer-Encoding, two different lengths) are refused 400 by Node's parser
 * with the connection closed, before any of the proxy's code runs (so no audit row: there was no
 * request); a key that could not be a header value (Gemini's `?key=` decoded to CR/LF) is a 401;
 * a path parameter that is not a plain id (`%2F`, `..`, `#`, `?`, CR/LF) matches no route (404 in
 * the provider's shape); hop-by-hop headers cross in neither direction; a redirect is never
 * followed (502), for streamed requests as for JSON; an answer's cookies, `Location`, credential
 * and `Connection`-listed headers never reach the client, streamed or not.
 */
import { request as httpRequest, createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/cli/server.js';
import type { Proxy } from '../../src/index.js';
import { nodeProxy } from '../../src/ways-in/node.js';
import { auditRows } from '../helpers/proxy.js';
import { type WireUpstream, startWireUpstream, wireHeader } from '../helpers/raw-wire-upstream.js';
import { FORMATS, proxyFor } from '../helpers/stream-formats.js';
import { completionBody } from '../upstream/openai-wire.js';

let up: WireUpstream;
let proxy: Proxy;
let bundled: RunningServer;
let bridge: Server;
const ports = { bundled: 0, bridge: 0 };

beforeAll(async () => {
  up = await startWireUpstream();
  proxy = proxyFor(up.url);
  bundled = await startServer(proxy, '127.0.0.1', 0);
  ports.bundled = (bundled.server.address() as AddressInfo).port;
  bridge = createServer(nodeProxy(proxy, { prefix: '/v1' }));
  await new Promise<void>((resolve) => bridge.listen(0, '127.0.0.1', resolve));
  ports.bridge = (bridge.address() as AddressInfo).port;
});
beforeEach(() => {
  up.requests.length = 0;
  up.reply({ status: 200, headers: [['Content-Type', 'application/json']], body: JSON.stringify(completionBody({ kind: 'chat', content: 'ok' }, 'gpt-4o-mini')) });
});
afterAll(async () => {
  bridge.closeAllConnections();
  await new Promise((resolve) => bridge.close(resolve));
  await bundled.close(0);
  await up.close();
});

/** Sends `bytes` on a new connection; resolves with all it received once the server closed it. */
function exchange(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    socket.write(bytes);
  });
}

const CHAT = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
const head = (lines: string[]) => `POST /v1/openai/chat/completions HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer sk-edge\r\nContent-Type: application/json\r\n${lines.map((line) => `${line}\r\n`).join('')}\r\n`;
const statusLines = (output: string) => output.match(/^HTTP\/1\.1 \d{3}/gm) ?? [];

describe.each(['bundled', 'bridge'] as const)('I3: header values with CR, LF or NUL (%s server)', (which) => {
  it.each([
    ['a NUL', 'X-Note: a\0b'],
    ['a bare CR', 'X-Note: a\rInjected: 1'],
    ['a bare LF', 'X-Note: a\nInjected: 1'],
    ['an obsolete line fold', 'X-Note: a\r\n Injected: 1'],
    ['a NUL in the credential', 'X-Api-Key: sk-\0edge'],
  ])('%s: 400 and the connection closed; nothing goes upstream', async (_, line) => {
    const output = await exchange(ports[which], head([line, `Content-Length: ${CHAT.length}`]) + CHAT);
    expect(statusLines(output)).toEqual(['HTTP/1.1 400']);
    expect(up.requests).toHaveLength(0);
  });
});

describe('I3: what a client sends cannot become an upstream header or path', () => {
  const geminiBody = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
  const geminiWithKey = (pathAndQuery: string, headers: Record<string, string> = { 'x-goog-api-key': 'g-edge' }) =>
    new Request(`http://proxy/gemini/v1beta/models/${pathAndQuery}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: geminiBody });
  const gemini = (pathAndQuery: string, headers: Record<string, string> = {}) =>
    new Request(`http://proxy/gemini/v1beta/models/${pathAndQuery}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: geminiBody });

  it.each([
    ['CR/LF and a header', 'abc%0D%0AX-Injected:%201'],
    ['a NUL', 'abc%00def'],
    ['non-ASCII', 'abc%E2%9C%93'],
    ['a space', 'abc%20def'],
  ])("Gemini's ?key= with %s: 401 in Gemini's shape, nothing upstream", async (_, key) => {
    const response = await proxy.handle(gemini(`gemini-2.5-flash:generateContent?key=${key}`));
    expect(response.status).toBe(401);
    expect((await response.json()).error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
    expect(up.requests).toHaveLength(0);
  });

  it('a non-ASCII bearer key over the wire: 401 in the provider shape, nothing upstream', async () => {
    const body = Buffer.from(CHAT);
    const output = await exchange(ports.bundled, Buffer.concat([Buffer.from(head([`Content-Length: ${body.length}`, 'Connection: close']).replace('Bearer sk-edge', 'Bearer sk-\xe9dge'), 'latin1'), body]));
    expect(statusLines(output)).toEqual(['HTTP/1.1 401']);
    expect(output).toContain('"authentication_error"');
    expect(up.requests).toHaveLength(0);
  });

  it.each([
    ['/gemini/v1beta/models/..%2F..%2Fadmin:generateContent', 'POST'],
    ['/gemini/v1beta/models/gemini%2F..%2Fx:generateContent', 'POST'],
    ['/gemini/v1beta/models/%2e%2e:generateContent', 'POST'],
    ['/gemini/v1beta/models/gemini%23frag:generateContent', 'POST'],
    ['/gemini/v1beta/models/gemini%3Fx=1:generateContent', 'POST'],
    ['/gemini/v1beta/models/gemini%0D%0AX-Injected:%201:generateContent', 'POST'],
    ['/gemini/v1beta/models/gemini%40evil.test:generateContent', 'POST'],
    ['/gemini/v1beta/models/gemini%2Fx', 'GET'],
    ['/openai/models/gpt%2F..%2F..%2Fadmin', 'GET'],
    ['/openai/responses/resp%2F..%2Fx', 'GET'],
    ['/anthropic/v1/models/claude%0D%0AX-Injected:%201', 'GET'],
  ])('%s: no route matches (404 in the provider shape), nothing upstream', async (path, method) => {
    const response = await proxy.handle(new Request(`http://proxy${path}`, { method, headers: { authorization: 'Bearer sk-edge', 'x-goog-api-key': 'g-edge', 'content-type': 'application/json' }, ...(method === 'POST' ? { body: geminiBody } : {}) }));
    expect(response.status).toBe(404);
    const text = await response.text();
    expect(text).toMatch(/not_found_error|NOT_FOUND/);
    expect(up.requests).toHaveLength(0);
  });

  it('a query parameter with CR/LF, `#` or `&` goes upstream percent-encoded, never as a header or another parameter', async () => {
    const gemini = FORMATS.find((format) => format.id === 'gemini')!;
    up.reply({ status: 200, headers: [['Content-Type', gemini.contentType]], body: gemini.golden().join('') });
    const response = await proxy.handle(geminiWithKey(`gemini-2.5-flash:streamGenerateContent?alt=sse&note=a%0D%0AX-Injected:%201%23frag%26key=stolen`));
    expect(response.status).toBe(200);
    await response.text();
    const seen = up.requests[0]!;
    expect(seen.line).toMatch(/^POST \/v1beta\/models\/gemini-2\.5-flash:streamGenerateContent\?alt=sse&note=a%0D%0AX-Injected%3A\+1%23frag%26key%3Dstolen HTTP\/1\.1$/);
    expect(wireHeader(seen, 'x-injected')).toBeUndefined();
  });

  it('dot segments over the wire are resolved before routing: the upstream path is always one the route table lists', async () => {
    const raw = (path: string) => `POST /v1/gemini/v1beta/models/${path} HTTP/1.1\r\nHost: proxy\r\nx-goog-api-key: g-edge\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ${geminiBody.length}\r\n\r\n${geminiBody}`;
    expect(statusLines(await exchange(ports.bundled, raw('../../../../admin:generateContent')))).toEqual(['HTTP/1.1 404']);
    expect(statusLines(await exchange(ports.bundled, raw('%2e%2e/%2e%2e/files:generateContent')))).toEqual(['HTTP/1.1 404']);
    expect(up.requests).toHaveLength(0);
  });
});

/** A request through the bundled server with `node:http`, for the answer's raw header lines. */
function viaBundled(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; rawHeaders: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: ports.bundled, method: 'POST', path, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, rawHeaders: res.rawHeaders, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Header lines an upstream may send that must not reach the client (U6, and I4's other direction). */
const HOSTILE_ANSWER_HEADERS: [string, string][] = [
  ['Connection', 'x-hop, keep-alive'],
  ['X-Hop', 'connection-listed'],
  ['Keep-Alive', 'timeout=99, max=7'],
  ['Proxy-Authenticate', 'Basic realm="upstream"'],
  ['Proxy-Connection', 'keep-alive'],
  ['Upgrade', 'h2c'],
  ['TE', 'trailers'],
  ['Trailer', 'x-trailing'],
  ['Set-Cookie', 'upstream_session=1; HttpOnly'],
  ['Location', 'http://169.254.169.254/latest/meta-data/'],
  ['X-Goog-Api-Key', 'sk-upstream-echo'],
  ['Authorization', 'Bearer sk-upstream-echo'],
  ['X-Api-Key', 'sk-upstream-echo'],
  ['Api-Key', 'sk-upstream-echo'],
  ['X-Request-Id', 'req_kept'],
];

function expectCleanAnswerHeaders(rawHeaders: string[]) {
  const names = rawHeaders.filter((_, index) => index % 2 === 0).map((name) => name.toLowerCase());
  const joined = rawHeaders.join('\n');
  for (const name of ['x-hop', 'proxy-authenticate', 'proxy-connection', 'upgrade', 'te', 'trailer', 'set-cookie', 'location', 'x-goog-api-key', 'authorization', 'x-api-key', 'api-key']) {
    expect(names, name).not.toContain(name);
  }
  // The bundled server's own Connection and Keep-Alive describe its own connection, not the upstream's.
  expect(joined).not.toContain('timeout=99');
  expect(joined).not.toContain('x-hop');
  expect(joined).not.toContain('sk-upstream-echo');
  expect(names).toContain('x-request-id');
}

describe('I4 and U6: hop-by-hop headers cross in neither direction', () => {
  it('client to upstream: Connection and what it lists, Keep-Alive, TE, Transfer-Encoding, Upgrade, Proxy-* stay behind', async () => {
    const chunked = `${Buffer.byteLength(CHAT).toString(16)}\r\n${CHAT}\r\n0\r\n\r\n`;
    const output = await exchange(ports.bundled, head([
      'Connection: close, x-secret-hop',
      'X-Secret-Hop: 1',
      'Keep-Alive: timeout=77',
      'TE: trailers',
      'Transfer-Encoding: chunked',
      'Proxy-Authorization: Basic cHJveHk6cHc=',
      'Proxy-Connection: keep-alive',
      'X-Custom-Trace: kept',
    ]) + chunked);
    expect(statusLines(output)).toEqual(['HTTP/1.1 200']);
    expect(up.requests).toHaveLength(1);
    const seen = up.requests[0]!;
    for (const name of ['x-secret-hop', 'keep-alive', 'te', 'transfer-encoding', 'upgrade', 'proxy-authorization', 'proxy-connection']) expect(wireHeader(seen, name), name).toBeUndefined();
    expect(wireHeader(seen, 'connection') ?? '').not.toMatch(/x-secret-hop|close/i);
    expect(wireHeader(seen, 'x-custom-trace')).toBe('kept');
    expect(JSON.parse(seen.body.toString())).toEqual(JSON.parse(CHAT));
  });

  it('client to upstream: Upgrade is not forwarded', async () => {
    const output = await exchange(ports.bundled, head(['Connection: close', 'Upgrade: h2c', `Content-Length: ${CHAT.length}`]) + CHAT);
    // Node answers an upgrade nobody listens for as a plain request.
    expect(statusLines(output)).toEqual(['HTTP/1.1 200']);
    expect(wireHeader(up.requests[0]!, 'upgrade')).toBeUndefined();
    expect(wireHeader(up.requests[0]!, 'connection') ?? '').not.toMatch(/upgrade/i);
  });

  it('upstream to client, a JSON answer: none of them reaches the client', async () => {
    up.reply({ status: 200, headers: [['Content-Type', 'application/json'], ...HOSTILE_ANSWER_HEADERS], body: JSON.stringify(completionBody({ kind: 'chat', content: 'ok' }, 'gpt-4o-mini')) });
    const answer = await viaBundled('/v1/openai/chat/completions', CHAT, { authorization: 'Bearer sk-edge' });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).choices[0].message.content).toBe('ok');
    expectCleanAnswerHeaders(answer.rawHeaders);
  });

  it('upstream to client, an error answer: none of them reaches the client', async () => {
    up.reply({ status: 400, headers: [['Content-Type', 'application/json'], ...HOSTILE_ANSWER_HEADERS], body: JSON.stringify({ error: { message: 'bad', type: 'invalid_request_error', param: null, code: null } }) });
    const answer = await viaBundled('/v1/openai/chat/completions', CHAT, { authorization: 'Bearer sk-edge' });
    expect(answer.status).toBe(400);
    expectCleanAnswerHeaders(answer.rawHeaders);
  });

  it.each(FORMATS)('upstream to client, a stream ($label): none of them reaches the client, the stream is whole', async (format) => {
    up.reply({ status: 200, headers: [['Content-Type', format.contentType], ...HOSTILE_ANSWER_HEADERS], body: format.golden().join('') });
    const request = format.request();
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => (headers[name] = value));
    const answer = await viaBundled(`/v1${new URL(request.url).pathname}${new URL(request.url).search}`, await request.text(), headers);
    expect(answer.status).toBe(200);
    expect(format.succeeded(answer.body)).toBe(true);
    expectCleanAnswerHeaders(answer.rawHeaders);
  });
});

describe('I5: request smuggling', () => {
  const smuggled = 'GET /v1/openai/models HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer sk-edge\r\n\r\n';
  it.each([
    ['Content-Length and Transfer-Encoding', ['Content-Length: 4', 'Transfer-Encoding: chunked'], `0\r\n\r\n${smuggled}`],
    ['Transfer-Encoding and Content-Length', ['Transfer-Encoding: chunked', `Content-Length: ${CHAT.length}`], `${CHAT.length.toString(16)}\r\n${CHAT}\r\n0\r\n\r\n`],
    ['two different Content-Lengths', [`Content-Length: ${CHAT.length}`, `Content-Length: ${CHAT.length + smuggled.length}`], CHAT + smuggled],
    ['a Content-Length list', [`Content-Length: ${CHAT.length}, ${CHAT.length + smuggled.length}`], CHAT + smuggled],
    ['a space before the colon', ['Transfer-Encoding : chunked', `Content-Length: ${CHAT.length}`], CHAT],
    ['chunked not last', ['Transfer-Encoding: chunked, identity'], `${CHAT.length.toString(16)}\r\n${CHAT}\r\n0\r\n\r\n${smuggled}`],
  ])('%s: one 400, the connection closed, nothing served or sent upstream', async (_, lines, body) => {
    for (const port of [ports.bundled, ports.bridge]) {
      const output = await exchange(port, head(lines) + body);
      expect(statusLines(output)).toEqual(['HTTP/1.1 400']);
    }
    expect(up.requests).toHaveLength(0);
  });
});

describe('U5: a redirect is never followed', () => {
  it.each(FORMATS)('a streamed request ($label) answered 307: a 502 in the provider shape, no Location, one row', async (format) => {
    up.reply({ status: 307, headers: [['Location', 'http://169.254.169.254/latest/meta-data/'], ['Content-Type', 'text/plain']], body: 'moved' });
    const session = `redirect-${format.id}`;
    const response = await proxy.handle(format.request({ 'x-archestra-session-id': session }));
    expect(response.status).toBe(502);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('redirect');
    expect(up.requests).toHaveLength(1);
    expect(await auditRows(proxy, { sessionId: session })).toMatchObject([{ status: 502, outcome: 'upstream_error' }]);
  });

  it.each([301, 302, 303, 308])('a JSON request answered %i: 502, not followed', async (status) => {
    up.reply({ status, headers: [['Location', 'http://127.0.0.1:1/elsewhere'], ['Content-Type', 'application/json']], body: '{}' });
    const answer = await viaBundled('/v1/openai/chat/completions', CHAT, { authorization: 'Bearer sk-edge' });
    expect(answer.status).toBe(502);
    expect(answer.rawHeaders.map((name) => name.toLowerCase())).not.toContain('location');
    expect(up.requests).toHaveLength(1);
  });
});
