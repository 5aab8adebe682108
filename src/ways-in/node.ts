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
import type { Proxy } from '../proxy.js';

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
  let request: Request;
  try {
    request = toRequest(req, options, controller.signal);
  } catch {
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'Malformed request.', type: 'invalid_request_error' } }));
    return;
  }
  const response = await proxy.handle(request);
  await writeResponse(response, res);
}

/** Builds a Web `Request`. The origin is fixed: the client's `Host` never decides anything. */
export function toRequest(req: IncomingMessage, options: HandleNodeOptions, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    // HTTP/2 pseudo-headers (":path") are not headers.
    if (value === undefined || name.startsWith(':')) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  const method = req.method ?? 'GET';
  const init: RequestInit & { duplex?: 'half' } = { method, headers, signal };
  if (method !== 'GET' && method !== 'HEAD') {
    const body = bodyFrom(req, options.parsedBody);
    if (body !== null) {
      init.body = body;
      init.duplex = 'half';
    }
  }
  return new Request(`http://localhost${options.path.startsWith('/') ? '' : '/'}${options.path}`, init);
}

function bodyFrom(req: IncomingMessage, parsedBody: unknown): BodyInit | null {
  // Express/Koa body parsers leave the stream drained and the result on req.body.
  if (parsedBody !== undefined && req.readableEnded) {
    if (typeof parsedBody === 'string') return parsedBody;
    if (parsedBody instanceof Uint8Array) return parsedBody as Uint8Array<ArrayBuffer>;
    return JSON.stringify(parsedBody);
  }
  return Readable.toWeb(req) as ReadableStream<Uint8Array>;
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
  // A stream: send the headers now, its first event may be a while.
  res.flushHeaders();
  const cancel = () => void reader.cancel().catch(() => {});
  res.once('close', cancel);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await drained(res);
      if (res.destroyed) return;
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
