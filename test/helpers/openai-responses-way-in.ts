/**
 * Setup for driving the OpenAI SDK's Responses, Embeddings and legacy Completions APIs through a
 * way in: over a server mounting the proxy at `/v1` (`startWayIn`), or in-process, the SDK keeping
 * its own default URL (`createProxyFetch`, `withArchestra`); plus comparison helpers.
 */
import OpenAI from 'openai';
import { createProxy, createProxyFetch, withArchestra } from '../../src/index.js';
import { startOpenAIUpstream } from '../upstream/openai.js';
import { CLIENT_KEY, type Mount, startWayIn, type WayInHarness } from './way-in.js';

/** What the Responses suite needs of a way in. */
export type ResponsesHarness = Pick<WayInHarness, 'up' | 'proxy' | 'client' | 'direct' | 'lastRow' | 'close'>;

export const startResponsesWayIn = (mount: Mount): Promise<ResponsesHarness> => startWayIn(mount);

/**
 * In-process: the SDK keeps https://api.openai.com/v1 and reaches the proxy through its `fetch`
 * (`createProxyFetch`) or `withArchestra`; the proxy forwards to the scripted upstream.
 */
export async function startResponsesInProcess(way: 'createProxyFetch' | 'withArchestra'): Promise<ResponsesHarness> {
  const savedBaseUrl = process.env.OPENAI_BASE_URL;
  delete process.env.OPENAI_BASE_URL;
  const up = await startOpenAIUpstream();
  // The ways in pass upstream errors on as they came; the proxy's retries: upstream-retries.test.ts.
  const proxy = createProxy({ providers: { openai: { baseUrl: up.baseUrl } }, upstream: { retries: { attempts: 0 } } });
  const options = { apiKey: CLIENT_KEY, maxRetries: 0 };
  const client = way === 'withArchestra' ? withArchestra(new OpenAI(options), { proxy }) : new OpenAI({ ...options, fetch: createProxyFetch(proxy) });
  if (client.baseURL !== 'https://api.openai.com/v1') throw new Error(`expected the SDK's default URL, got ${client.baseURL}`);
  return {
    up,
    proxy,
    client,
    direct: new OpenAI({ ...options, baseURL: up.baseUrl }),
    async lastRow() {
      await proxy.flush();
      const [row] = await proxy.store.listInteractions({ limit: 1 });
      return row;
    },
    async close() {
      await proxy.close();
      await up.close();
      if (savedBaseUrl !== undefined) process.env.OPENAI_BASE_URL = savedBaseUrl;
    },
  };
}

/** Keys whose values the scripted upstream makes up per response, or randomizes per event. */
const PER_RESPONSE = new Set(['id', 'item_id', 'created', 'created_at', 'obfuscation']);

/** A value without its per-response ids, timestamps and obfuscation padding (at any depth). */
export function comparable<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value, (key, inner: unknown) => (PER_RESPONSE.has(key) ? undefined : inner)));
}

/** Every event of a stream, in order. */
export async function collectEvents<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const events: T[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** The SSE event names of a raw body, in order (the audit row keeps the body as the client got it). */
export function eventNames(body: string | null): string[] {
  return [...(body ?? '').matchAll(/^event: (.+)$/gm)].map((match) => match[1]!);
}
