/**
 * @module
 * The one bridge between Node's `http` objects and the proxy's Web `Request`/`Response` core.
 * The framework adapters are thin wrappers around it.
 *
 * @example
 * import { createServer } from 'node:http';
 * import { createProxy } from '@archestra/llm-proxy';
 * import { nodeProxy } from '@archestra/llm-proxy/node';
 *
 * const proxy = createProxy();
 * createServer(nodeProxy(proxy, { prefix: '/v1' })).listen(9000);
 * // new OpenAI({ baseURL: 'http://127.0.0.1:9000/v1/openai' })
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { attachBody } from '../pipeline/read-body.js';
import { BODY_LIMIT, type Proxy } from '../proxy.js';

export interface NodeProxyOptions {
  /** Path the proxy is mounted at, e.g. `/v1`; requests outside it go to `next` (or get a 404). */
  prefix?: string;
}

export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/** A `(req, res, next?)` handler for `http.createServer`, Connect-style servers, and friends. */
export function nodeProxy(proxy: Proxy, options: NodeProxyOptions = {}): NodeHandler {
  const prefix = normalizePrefix(options.prefix);
  return (req, res, next) => {
    const url = req.url ?? '/';
    const path = stripPrefix(url, prefix);
    if (path === null) {
      if (next) return next();
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'Not found', type: 'not_found_error' } }));
      return;
    }
    void handleNodeRequest(proxy, req, res, { path });
  };
}

export interface HandleNodeOptions {
  /** Path and query relative to where the proxy is mounted. */
  path: string;
  /** A body a framework's parser already read (the raw stream is then used up). */
  parsedBody?: unknown;
}

/** Serves one Node request through the proxy and writes the answer; never throws. */
export async function handleNodeRequest(proxy: Proxy, req: IncomingMessage, res: ServerResponse, options: HandleNodeOptions): Promise<void> {
  const controller = new AbortController();
  // A client that goes away aborts the pipeline, and with it the upstream request.
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  let body: BodyInit | null = null;
  let bytes: Uint8Array | null = null;
  if (hasBody(req)) {
    if (options.parsedBody !== undefined && req.readableEnded) body = parsedBodyOf(options.parsedBody);
    else {
      // Read from the Node stream into one Buffer and handed to the proxy as it is: no Web
      // stream per request to fill and read back (nor one kept alive by the socket's listeners).
      const read = await readNodeBody(req, proxy[BODY_LIMIT] ?? DEFAULT_BODY_LIMIT);
      // The proxy answers 413 from what it got; the rest of the upload is cut with the connection.
      if (read.overflow) res.setHeader('connection', 'close');
      if (read.bytes) bytes = read.bytes;
      else body = brokenBody();
    }
  }
  let request: Request;
  try {
    request = buildRequest(req, options.path, controller.signal, body);
    if (bytes) attachBody(request, bytes);
  } catch {
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'Malformed request.', type: 'invalid_request_error' } }));
    return;
  }
  let response: Response;
  try {
    response = await proxy.handle(request);
  } catch {
    // Only a closed proxy throws: a server still taking requests must not crash on it.
    if (!res.destroyed) res.writeHead(503, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify({ error: { message: 'The proxy has been closed.', type: 'overloaded_error' } }));
    return;
  }
  await writeResponse(response, res);
}

/** Builds a Web `Request`. The origin is fixed: the client's `Host` never decides anything. */
export function toRequest(req: IncomingMessage, options: HandleNodeOptions, signal: AbortSignal): Request {
  return buildRequest(req, options.path, signal, hasBody(req) ? bodyFrom(req, options.parsedBody) : null);
}

function buildRequest(req: IncomingMessage, path: string, signal: AbortSignal, body: BodyInit | null): Request {
  // Name-value pairs: the Request fills its own Headers from them (a Headers object here would be built twice).
  const headers: [string, string][] = [];
  for (const name in req.headers) {
    const value = req.headers[name];
    // HTTP/2 pseudo-headers (":path") are not headers.
    if (value === undefined || name.startsWith(':')) continue;
    if (Array.isArray(value)) for (const item of value) headers.push([name, item]);
    else headers.push([name, value]);
  }
  const init: RequestInit & { duplex?: 'half' } = { method: req.method ?? 'GET', headers };
  if (body !== null) {
    init.body = body;
    init.duplex = 'half';
  }
  const request = new Request(`http://localhost${path.startsWith('/') ? '' : '/'}${path}`, init);
  // `request.signal` is the client's signal itself. A Request built with `{ signal }` follows it
  // through a controller of its own, a WeakRef, a listener and a finalizer: twice the cost of
  // building the Request, more on a CPU that just woke up, and memory per open stream. The proxy
  // only reads `request.signal`; it never fetches, clones or re-signals this Request.
  Object.defineProperty(request, 'signal', { value: signal });
  return request;
}

function hasBody(req: IncomingMessage): boolean {
  return req.method !== undefined && req.method !== 'GET' && req.method !== 'HEAD';
}

function bodyFrom(req: IncomingMessage, parsedBody: unknown): BodyInit {
  // Express/Koa body parsers leave the stream drained and the result on req.body.
  if (parsedBody !== undefined && req.readableEnded) return parsedBodyOf(parsedBody);
  return Readable.toWeb(req) as ReadableStream<Uint8Array>;
}

function parsedBodyOf(parsedBody: unknown): BodyInit {
  if (typeof parsedBody === 'string') return parsedBody;
  if (parsedBody instanceof Uint8Array) return parsedBody as Uint8Array<ArrayBuffer>;
  try {
    return JSON.stringify(parsedBody);
  } catch {
    // A body the parser took but `JSON.stringify` cannot give back (nested past the stack): a
    // throw here would be an unhandled rejection, which ends the process. The proxy answers 400.
    return brokenBody('The request body could not be serialized again.');
  }
}

/** The proxy's own default (`limits.maxRequestBodyBytes`), for a proxy that does not say. */
const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;

interface NodeBody {
  /** The body, or its first `limit + 1` bytes or more; null when the client went away mid-body. */
  bytes: Uint8Array | null;
  /** Longer than `limit` (declared or read): the proxy will answer 413. */
  overflow: boolean;
}

/**
 * Reads a request body from its Node stream. A declared `Content-Length` over `limit` is not read
 * at all, and a chunked body stops being kept as soon as it passes `limit`, so a huge upload is
 * never buffered: the proxy's own size check then answers 413 in the provider's format.
 */
function readNodeBody(req: IncomingMessage, limit: number): Promise<NodeBody> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.resolve({ bytes: new Uint8Array(0), overflow: true });
  if (req.readableEnded) return Promise.resolve({ bytes: new Uint8Array(0), overflow: false });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: NodeBody) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
      resolve(result);
    };
    const bytes = () => (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      // Still flowing with no listener, the rest is read and dropped until the connection closes.
      if (size > limit) finish({ bytes: bytes(), overflow: true });
    };
    const onEnd = () => finish({ bytes: bytes(), overflow: false });
    const onGone = () => finish({ bytes: null, overflow: false });
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onGone);
    req.once('close', onGone);
  });
}

/** A body that fails when read: the proxy records the request and answers 400 (nobody is there to read it). */
function brokenBody(why = 'The client went away before the request body ended.'): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.error(new Error(why));
    },
  });
}

/** Writes a Web `Response` to a Node response, chunk by chunk, waiting for `drain` when needed. */
export async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  if (res.destroyed) {
    await response.body?.cancel().catch(() => {});
    return;
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  if (response.body === null) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  if (response.headers.has('content-length')) return writeWhole(reader, res);
  const cancel = () => void reader.cancel().catch(() => {});
  res.once('close', cancel);
  try {
    let next = reader.read();
    // A stream's first event usually came with the upstream's headers: then both go out in one
    // write and the client wakes once. If it is not ready within this turn of the event loop, the
    // headers go alone now, since the first event may be a while.
    if ((await Promise.race([next, thisTurn()])) === TURN_ENDED) res.flushHeaders();
    for (;;) {
      const { done, value } = await next;
      if (done) break;
      if (!res.write(value)) await drained(res);
      if (res.destroyed) return;
      next = reader.read();
    }
    res.end();
  } catch {
    res.destroy();
  } finally {
    res.off('close', cancel);
  }
}

/** A body of known length goes out in one write with its headers. */
async function writeWhole(reader: ReadableStreamDefaultReader<Uint8Array>, res: ServerResponse): Promise<void> {
  const chunks: Uint8Array[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
  } catch {
    res.destroy();
    return;
  }
  res.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
}

const TURN_ENDED = Symbol('turn ended');

/** Resolves once the current turn of the event loop (its I/O callbacks and promise jobs) is over. */
function thisTurn(): Promise<typeof TURN_ENDED> {
  return new Promise((resolve) => setImmediate(resolve, TURN_ENDED));
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function normalizePrefix(prefix: string | undefined): string {
  if (!prefix || prefix === '/') return '';
  return `/${prefix.replace(/^\/+|\/+$/g, '')}`;
}

/** The path under `prefix`, or null when the request is not for the proxy. */
export function stripPrefix(url: string, prefix: string): string | null {
  if (prefix === '') return url;
  if (url === prefix) return '/';
  if (url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`)) return url.slice(prefix.length) || '/';
  return null;
}
