/**
 * Helpers for end-to-end tests that drive a proxy built with `createProxy()`: raw requests for
 * `proxy.handle()`, the audit rows in the order the requests finished, and a port nothing listens on.
 */
import { createServer } from 'node:net';
import { afterAll } from 'vitest';
import { type Proxy, createProxy } from '../../src/proxy.js';
import type { ProxyConfig } from '../../src/config/schema.js';
import type { InteractionQuery, InteractionRecord } from '../../src/types.js';

/** The smallest chat request body. */
export function chatBody(content = 'hi', extra: Record<string, unknown> = {}) {
  return { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content }], ...extra };
}

/** A request for `proxy.handle()`, addressed relative to the mount (`/openai/...`). */
export function rawRequest(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Request {
  const { method = init.body === undefined ? 'GET' : 'POST', body, headers = {} } = init;
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Request(`http://proxy${path}`, { method, headers: text === undefined ? headers : { 'content-type': 'application/json', ...headers }, body: text });
}

/** A chat completion request for `proxy.handle()`. */
export function rawChat(body: unknown = chatBody(), headers: Record<string, string> = {}): Request {
  return rawRequest('/openai/chat/completions', { method: 'POST', body, headers });
}

/** The audit rows, oldest first, after writing whatever is queued. */
export async function auditRows(proxy: Proxy, query: InteractionQuery = {}): Promise<InteractionRecord[]> {
  await proxy.flush();
  return (await proxy.store.listInteractions({ limit: 1000, ...query })).reverse();
}

/** The one audit row of a query; fails when there is not exactly one. */
export async function onlyRow(proxy: Proxy, query: InteractionQuery): Promise<InteractionRecord> {
  const rows = await auditRows(proxy, query);
  if (rows.length !== 1) throw new Error(`expected one audit row for ${JSON.stringify(query)}, found ${rows.length}`);
  return rows[0]!;
}

/** A port on 127.0.0.1 that refuses connections: bound once, then closed. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

/** Whatever `fn` rejects with; fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the call succeeded');
}

/**
 * Proxies a suite makes as it goes, all closed after it, followed by `cleanups` (the upstream,
 * the environment). Call it in a `describe` body.
 */
export function suiteProxies(...cleanups: (() => unknown)[]): { create(config: ProxyConfig): Proxy } {
  const made: Proxy[] = [];
  afterAll(async () => {
    for (const proxy of made) await proxy.close();
    for (const cleanup of cleanups) await cleanup();
  });
  return {
    create(config) {
      const proxy = createProxy(config);
      made.push(proxy);
      return proxy;
    },
  };
}
