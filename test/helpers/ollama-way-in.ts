/**
 * Shared setup for driving the real `ollama` client (and the openai SDK, on Ollama's
 * OpenAI-compatible `/v1/`) through a way in: a scripted Ollama upstream, a proxy pointed at it,
 * a server (built by the caller, see `Mount`) mounting the proxy at `/v1`, and the clients pointed
 * at `<server>/v1/ollama` (and, for comparison, straight at the upstream).
 */
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { createProxy, type Proxy } from '../../src/index.js';
import type { InteractionRecord } from '../../src/types.js';
import { type ScriptedOllama, startOllamaUpstream } from '../upstream/ollama.js';
import type { Mount } from './way-in.js';

export const OLLAMA_PROFILE_ID = 'support-bot';

export interface OllamaWayIn {
  up: ScriptedOllama;
  proxy: Proxy;
  origin: string;
  /** `<origin>/v1/ollama`: the ollama client's `host` (it appends `/api/chat` and so on). */
  host: string;
  /** The ollama client through the proxy. */
  client: Ollama;
  /** The ollama client straight to the upstream, for comparison. */
  direct: Ollama;
  /** Another ollama client through the proxy; `path` is appended to `host` (e.g. `/support-bot`). */
  ollama(options?: { path?: string; headers?: Record<string, string> }): Ollama;
  /** The openai SDK on Ollama's OpenAI-compatible API through the proxy: `<host>/v1`. */
  openai: OpenAI;
  /** The openai SDK straight to the upstream's `/v1`. */
  directOpenAI: OpenAI;
  lastRow(): Promise<InteractionRecord | undefined>;
  close(): Promise<void>;
}

export async function startOllamaWayIn(mount: Mount): Promise<OllamaWayIn> {
  const up = await startOllamaUpstream();
  // The ways in pass upstream errors on as they came; the proxy's retries: upstream-retries.test.ts.
  const proxy = createProxy({ providers: { ollama: { baseUrl: up.url } }, profiles: { [OLLAMA_PROFILE_ID]: {} }, upstream: { retries: { attempts: 0 } } });
  let server;
  try {
    server = await mount(proxy);
  } catch (error) {
    await proxy.close();
    await up.close();
    throw error;
  }
  const host = `${server.origin}/v1/ollama`;
  const ollama = ({ path = '', headers }: { path?: string; headers?: Record<string, string> } = {}) => new Ollama({ host: `${host}${path}`, ...(headers ? { headers } : {}) });
  return {
    up,
    proxy,
    origin: server.origin,
    host,
    client: ollama(),
    direct: new Ollama({ host: up.url }),
    ollama,
    // Ollama ignores the key; the SDK insists on one.
    openai: new OpenAI({ baseURL: `${host}/v1`, apiKey: 'ollama', maxRetries: 0 }),
    directOpenAI: new OpenAI({ baseURL: `${up.url}/v1`, apiKey: 'ollama', maxRetries: 0 }),
    async lastRow() {
      await proxy.flush();
      const [row] = await proxy.store.listInteractions({ limit: 1 });
      return row;
    },
    async close() {
      await server.close();
      await proxy.close();
      await up.close();
    },
  };
}

/** An answer (or streamed part) without its per-response timestamp. */
export function withoutTimestamp<T extends { created_at?: unknown }>(value: T): Omit<T, 'created_at'> {
  const { created_at: _createdAt, ...rest } = value;
  return rest;
}

/** Collects a streamed answer's parts, without their timestamps. */
export async function collectParts<T extends { created_at?: unknown }>(stream: AsyncIterable<T>): Promise<Omit<T, 'created_at'>[]> {
  const parts: Omit<T, 'created_at'>[] = [];
  for await (const part of stream) parts.push(withoutTimestamp(part));
  return parts;
}
