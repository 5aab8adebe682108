/**
 * Request body edges (SECURITY-TESTS.md I1 and I7) for the five wire formats' main operation, in
 * process (`proxy.handle`) and over raw sockets against the bundled server.
 *
 * I1: a compressed body (any `Content-Encoding` but `identity`, any transfer coding but `chunked`)
 * is refused 415 and never decoded: no official SDK compresses its requests, and decoding would let
 * a gzip bomb grow past the size limit. The limit counts bytes, not characters: a multi-byte body of
 * exactly the limit is served, one byte more is a 413, declared or chunked; a chunked body over
 * the limit is answered 413 without waiting for its end.
 * I7: bad JSON, wrong types, nesting deeper than `MAX_JSON_DEPTH` are a 400 in the provider's
 * shape; a legal but large payload (nesting at the limit, 100k messages, 5k tools) is served;
 * never a 500.
 */
import { type AddressInfo, connect } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/cli/server.js';
import type { Proxy } from '../../src/index.js';
import { MAX_JSON_DEPTH } from '../../src/pipeline/json-depth.js';
import { auditRows } from '../helpers/proxy.js';
import { type RawUpstream, startRawStreamUpstream } from '../helpers/raw-stream-upstream.js';
import { FORMAT, type FormatId, type StreamFormat, proxyFor } from '../helpers/stream-formats.js';

let up: RawUpstream;
let proxy: Proxy;
const made: Proxy[] = [];

beforeAll(async () => {
  up = await startRawStreamUpstream();
  proxy = proxyFor(up.url);
  made.push(proxy);
});
afterAll(async () => {
  for (const each of made) await each.close();
  await up.close();
});

type Json = Record<string, unknown>;

/** How each format's main operation names its messages and tools. */
const SHAPES: Record<FormatId, { message: Json; messagesKey: string; tools(count: number, schema: unknown): Json }> = {
  chat: {
    messagesKey: 'messages',
    message: { role: 'user', content: 'hi' },
    tools: (count, schema) => ({ tools: Array.from({ length: count }, (_, i) => ({ type: 'function', function: { name: `tool_${i}`, parameters: schema } })) }),
  },
  responses: {
    messagesKey: 'input',
    message: { role: 'user', content: 'hi' },
    tools: (count, schema) => ({ tools: Array.from({ length: count }, (_, i) => ({ type: 'function', name: `tool_${i}`, parameters: schema })) }),
  },
  anthropic: {
    messagesKey: 'messages',
    message: { role: 'user', content: 'hi' },
    tools: (count, schema) => ({ tools: Array.from({ length: count }, (_, i) => ({ name: `tool_${i}`, input_schema: schema })) }),
  },
  gemini: {
    messagesKey: 'contents',
    message: { role: 'user', parts: [{ text: 'hi' }] },
    tools: (count, schema) => ({ tools: [{ functionDeclarations: Array.from({ length: count }, (_, i) => ({ name: `tool_${i}`, parameters: schema })) }] }),
  },
  ollama: {
    messagesKey: 'messages',
    message: { role: 'user', content: 'hi' },
    tools: (count, schema) => ({ tools: Array.from({ length: count }, (_, i) => ({ type: 'function', function: { name: `tool_${i}`, parameters: schema } })) }),
  },
};

/** The format's streamed request with its body changed by `change` (or replaced by a string). */
async function requestWith(format: StreamFormat, change: ((body: Json) => Json) | string, headers: Record<string, string> = {}): Promise<Request> {
  const base = format.request();
  const body = typeof change === 'string' ? change : JSON.stringify(change((await base.json()) as Json));
  const all = new Headers(base.headers);
  for (const [name, value] of Object.entries(headers)) all.set(name, value);
  return new Request(base.url, { method: 'POST', headers: all, body });
}

/** Serves the request against the golden stream: its status and text. */
async function serve(format: StreamFormat, request: Request, through = proxy): Promise<{ status: number; text: string }> {
  up.reply({ headers: { 'content-type': format.contentType }, steps: format.golden() });
  const response = await through.handle(request);
  return { status: response.status, text: await response.text() };
}

/** Nesting of arrays and objects, counted on the value (the test's own measure). */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value !== null && typeof value === 'object') return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

/** `levels` arrays, one inside the next, as JSON text (too deep to build as a value and stringify). */
const nestText = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const PLACEHOLDER = '"(nest)"';

/** The format's body, as text, with a tool whose schema's `examples` nest so that the whole body is `total` deep. */
async function deepToolBody(format: StreamFormat, total: number): Promise<string> {
  const body = (await format.request().json()) as Json;
  const withNest = { ...body, ...SHAPES[format.id].tools(1, { type: 'object', properties: {}, examples: [] }) };
  // `examples: []` is one level; the nest that replaces it adds the rest.
  const levels = total - depthOf(withNest) + 1;
  const withPlaceholder = { ...body, ...SHAPES[format.id].tools(1, { type: 'object', properties: {}, examples: '(nest)' }) };
  return JSON.stringify(withPlaceholder).replace(PLACEHOLDER, nestText(levels));
}

const IDS: FormatId[] = ['chat', 'responses', 'anthropic', 'gemini', 'ollama'];
const errorShape = (format: StreamFormat, text: string) => {
  const parsed = JSON.parse(text);
  // Ollama answers `{"error": "..."}`; the others an object under `error`.
  return format.id === 'ollama' ? typeof parsed.error === 'string' : typeof parsed.error === 'object';
};

describe.each(IDS.map((id) => FORMAT[id]))('I1 and I7: $label', (format) => {
  beforeEach(() => up.reset());

  it.each([
    ['gzip (a bomb: 8 MB of zeros in a few kB)', 'gzip', (text: string) => gzipSync(Buffer.concat([Buffer.from(text), Buffer.alloc(8 * 1024 * 1024, 0x20)]))],
    ['deflate', 'deflate', (text: string) => deflateSync(text)],
    ['br', 'br', (text: string) => brotliCompressSync(text)],
  ])('a %s body: 415 in the provider shape, never decoded, nothing upstream, one row', async (_, encoding, compress) => {
    const plain = await (await requestWith(format, (body) => body)).text();
    const base = format.request({ 'x-archestra-session-id': `encoded-${format.id}-${encoding}` });
    const headers = new Headers(base.headers);
    headers.set('content-encoding', encoding);
    const response = await proxy.handle(new Request(base.url, { method: 'POST', headers, body: compress(plain) }));
    expect(response.status).toBe(415);
    expect(response.headers.get('x-should-retry')).toBe('false');
    expect(errorShape(format, await response.text())).toBe(true);
    expect(up.requests).toHaveLength(0);
    expect(await auditRows(proxy, { sessionId: `encoded-${format.id}-${encoding}` })).toMatchObject([{ status: 415, outcome: 'rejected' }]);
  });

  it('Content-Encoding: identity is served', async () => {
    const served = await serve(format, await requestWith(format, (body) => body, { 'content-encoding': 'identity' }));
    expect(served.status).toBe(200);
    expect(format.succeeded(served.text)).toBe(true);
  });

  it.each([
    ['not JSON', '{"model": '],
    ['JSON but not an object', '[1, 2, 3]'],
    ['wrong types', JSON.stringify({ model: 5, messages: 'hi', input: 7, contents: 'hi', stream: 'yes', max_tokens: 'many' })],
    [`nested ${MAX_JSON_DEPTH + 1} deep at the top`, `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`],
    ['nested 10,000 deep at the top', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`],
  ])('%s: 400 in the provider shape, nothing upstream', async (_, body) => {
    const response = await proxy.handle(await requestWith(format, body));
    expect(response.status).toBe(400);
    expect(errorShape(format, await response.text())).toBe(true);
    expect(up.requests).toHaveLength(0);
  });

  it(`a tool schema nested ${MAX_JSON_DEPTH} deep (the limit) is served; one level more is a 400; 10,000 levels a 400`, async () => {
    const atLimit = await serve(format, await requestWith(format, await deepToolBody(format, MAX_JSON_DEPTH)));
    expect(atLimit.status).toBe(200);
    expect(format.succeeded(atLimit.text)).toBe(true);
    expect(up.requests).toHaveLength(1);
    expect(depthOf(up.requests[0]!.json)).toBe(MAX_JSON_DEPTH);

    for (const total of [MAX_JSON_DEPTH + 1, 10_000]) {
      const response = await proxy.handle(await requestWith(format, await deepToolBody(format, total)));
      expect(response.status).toBe(400);
      expect(await response.text()).toContain(`deeper than ${MAX_JSON_DEPTH} levels`);
    }
    expect(up.requests).toHaveLength(1);
  });

  it('a message whose content nests 10,000 deep: 400, never a 500 (it once overflowed the stack)', async () => {
    const shape = SHAPES[format.id];
    const body = { ...((await format.request().json()) as Json), [shape.messagesKey]: [{ ...shape.message, content: '(nest)' }] };
    const response = await proxy.handle(await requestWith(format, JSON.stringify(body).replace(PLACEHOLDER, nestText(10_000))));
    expect(response.status).toBe(400);
    expect(up.requests).toHaveLength(0);
  });

  it('100,000 messages (legal, under the body limit): served', async () => {
    const shape = SHAPES[format.id];
    const many = (body: Json): Json => ({ ...body, [shape.messagesKey]: Array.from({ length: 100_000 }, () => shape.message) });
    const served = await serve(format, await requestWith(format, many));
    expect(served.status).toBe(200);
    expect(format.succeeded(served.text)).toBe(true);
    expect(up.requests[0]!.json[shape.messagesKey]).toHaveLength(100_000);
  });

  it('5,000 tools (legal, under the body limit): served', async () => {
    const shape = SHAPES[format.id];
    const served = await serve(format, await requestWith(format, (body) => ({ ...body, ...shape.tools(5_000, { type: 'object', properties: { q: { type: 'string' } } }) })));
    expect(served.status).toBe(200);
    expect(format.succeeded(served.text)).toBe(true);
    expect(up.requests).toHaveLength(1);
  });
});

describe('I1 over the wire: the bundled server', () => {
  const LIMIT = 1024;
  let server: RunningServer;
  let port: number;

  beforeAll(async () => {
    const limited = proxyFor(up.url, { limits: { maxRequestBodyBytes: LIMIT } });
    made.push(limited);
    server = await startServer(limited, '127.0.0.1', 0);
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(() => server.close(0));
  beforeEach(() => up.reset());

  /** Sends `bytes` on a new connection; resolves with what came back once the server closed it. */
  function exchange(parts: (string | Buffer)[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      socket.on('error', reject);
      socket.on('close', () => resolve(received));
      for (const part of parts) socket.write(part);
    });
  }
  const head = (lines: string[]) =>
    `POST /v1/openai/chat/completions HTTP/1.1\r\nHost: proxy\r\nContent-Type: application/json\r\nConnection: close\r\n${lines.map((line) => `${line}\r\n`).join('')}\r\n`;
  const status = (output: string) => output.match(/^HTTP\/1\.1 (\d{3})/)?.[1];

  /** A chat body of exactly `bytes` bytes, mostly two-byte characters (so fewer characters than bytes). */
  function chatOfBytes(bytes: number): Buffer {
    const empty = Buffer.byteLength(JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: '' }] }));
    const room = bytes - empty;
    const text = 'é'.repeat(Math.floor(room / 2)) + 'a'.repeat(room % 2);
    const body = Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: text }] }));
    expect(body.length).toBe(bytes);
    expect(body.toString().length).toBeLessThan(bytes);
    return body;
  }
  const chunked = (body: Buffer) => [`${body.length.toString(16)}\r\n`, body, '\r\n0\r\n\r\n'];

  it('multi-byte text of exactly the limit in bytes is served, declared or chunked; one byte more is a 413', async () => {
    up.reply({ headers: { 'content-type': FORMAT.chat.contentType }, steps: FORMAT.chat.golden() });
    const exact = chatOfBytes(LIMIT);
    expect(status(await exchange([head([`Content-Length: ${LIMIT}`]), exact]))).toBe('200');
    expect(status(await exchange([head(['Transfer-Encoding: chunked']), ...chunked(exact)]))).toBe('200');
    expect(up.requests).toHaveLength(2);
    expect(up.requests[1]!.json.messages[0].content).toBe(JSON.parse(exact.toString()).messages[0].content);

    const over = chatOfBytes(LIMIT + 1);
    const declared = await exchange([head([`Content-Length: ${LIMIT + 1}`]), over]);
    expect(status(declared)).toBe('413');
    expect(declared).toContain(`limit of ${LIMIT} bytes`);
    expect(status(await exchange([head(['Transfer-Encoding: chunked']), ...chunked(over)]))).toBe('413');
    expect(up.requests).toHaveLength(2);
  });

  it('a chunked body over the limit is answered 413 and the connection closed before the body ends', async () => {
    const socketOutput = exchange([head(['Transfer-Encoding: chunked']), `${(LIMIT * 4).toString(16)}\r\n`, Buffer.alloc(LIMIT * 4, 0x61)]);
    // The terminating chunk is never sent: the answer must come without it.
    const output = await socketOutput;
    expect(status(output)).toBe('413');
    expect(output.toLowerCase()).toContain('connection: close');
    expect(up.requests).toHaveLength(0);
  });

  it('a gzip bomb declared by Content-Length: 415; Transfer-Encoding: gzip, chunked: 415', async () => {
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(LIMIT * 32);
    const small = gzipSync('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}');
    const encoded = await exchange([head(['Content-Encoding: gzip', `Content-Length: ${small.length}`]), small]);
    expect(status(encoded)).toBe('415');
    expect(encoded).toContain('uncompressed');
    // Refused for its encoding before its size is looked at: never read, never decoded.
    expect(status(await exchange([head(['Content-Encoding: gzip', `Content-Length: ${bomb.length}`]), bomb]))).toBe('415');
    const transferCoded = await exchange([head(['Transfer-Encoding: gzip, chunked']), ...chunked(small)]);
    expect(status(transferCoded)).toBe('415');
    expect(up.requests).toHaveLength(0);
  });
});
