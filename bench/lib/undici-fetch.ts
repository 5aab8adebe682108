/**
 * The "bare undici" floor: a `fetch` for the OpenAI SDK built on an undici `Pool` (`pool.request`),
 * without the WHATWG fetch machinery of Node's global fetch. JSON bodies are read whole, event
 * streams are passed through chunk by chunk. It is what any fetch-based client could cost at least.
 */
import { Readable } from 'node:stream';
import { type Dispatcher, Pool } from 'undici';

export interface PoolFetch {
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  close(): Promise<void>;
}

export function createPoolFetch(origin: string, connections = 256): PoolFetch {
  const pool = new Pool(origin, { connections, keepAliveTimeout: 60_000, headersTimeout: 0, bodyTimeout: 0 });
  async function poolFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const response = await pool.request({
      path: `${url.pathname}${url.search}`,
      method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
      headers,
      body: typeof init.body === 'string' ? init.body : null,
      signal: init.signal ?? undefined,
    });
    const out = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) out.append(name, item);
      else out.set(name, value);
    }
    const type = out.get('content-type') ?? '';
    if (type.startsWith('text/event-stream')) {
      return new Response(Readable.toWeb(response.body) as ReadableStream<Uint8Array>, { status: response.statusCode, headers: out });
    }
    return new Response(await response.body.arrayBuffer(), { status: response.statusCode, headers: out });
  }
  return { fetch: poolFetch, close: () => pool.close() };
}
