/**
 * Shared setup for driving the real @google/genai SDK through a way in: a scripted Gemini
 * upstream, a proxy pointed at it, and SDK clients that reach the proxy either over a server that
 * mounts it at `/v1` (`httpOptions.baseUrl = <server>/v1/gemini`) or in-process
 * (`httpOptions.fetch = createProxyFetch(proxy)`, or `withArchestra(client)`), plus a client
 * straight to the upstream for comparison.
 */
import { GoogleGenAI, type GenerateContentResponse } from '@google/genai';
import { createProxy, createProxyFetch, type Proxy, withArchestra } from '../../src/index.js';
import type { InteractionRecord } from '../../src/types.js';
import { type ScriptedGemini, startGeminiUpstream } from '../upstream/gemini.js';
import type { Mount } from './way-in.js';

export const GEMINI_KEY = 'AIzaSyGeminiClientKey-4b7e2c9d0a';
export const GEMINI_PROFILE_ID = 'support-bot';
export const MODEL = 'gemini-2.5-flash';
/** The SDK's public default, which an in-process client keeps. */
export const GEMINI_DEFAULT_ORIGIN = 'https://generativelanguage.googleapis.com';

export interface GenAIOptions {
  apiVersion?: string;
  /** Extra headers on every call (`httpOptions.headers`), e.g. `X-Archestra-Agent-Id`. */
  headers?: Record<string, string>;
  /** A named proxy profile. */
  profile?: string;
}

export interface GeminiWayIn {
  up: ScriptedGemini;
  proxy: Proxy;
  /** The SDK through the proxy (key GEMINI_KEY). */
  client: GoogleGenAI;
  /** The SDK straight to the upstream. */
  direct: GoogleGenAI;
  /** Another SDK client through the proxy. */
  genai(options?: GenAIOptions): GoogleGenAI;
  /** A raw HTTP call through the way in, `path` being the native path and query (`/v1beta/models?key=...`). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  lastRow(): Promise<InteractionRecord | undefined>;
  /** Every audit row, oldest first. */
  rows(): Promise<InteractionRecord[]>;
  close(): Promise<void>;
}

/** Keeps `new GoogleGenAI()` on the Gemini API's public default and off keys from the environment. */
export function clearGeminiEnv(): () => void {
  const names = ['GOOGLE_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_GEMINI_BASE_URL', 'GOOGLE_VERTEX_BASE_URL', 'GOOGLE_GENAI_USE_VERTEXAI', 'GOOGLE_GENAI_USE_ENTERPRISE', 'GOOGLE_CLOUD_PROJECT', 'GOOGLE_CLOUD_LOCATION'];
  const saved = names.map((name) => [name, process.env[name]] as const);
  for (const name of names) delete process.env[name];
  return () => {
    for (const [name, value] of saved) if (value !== undefined) process.env[name] = value;
  };
}

type Connect = (proxy: Proxy) => Promise<{ genai(options: GenAIOptions): GoogleGenAI; fetch(path: string, init?: RequestInit): Promise<Response>; close(): Promise<void> }>;

async function start(connect: Connect): Promise<GeminiWayIn> {
  const up = await startGeminiUpstream();
  // The ways in pass upstream errors on as they came; the proxy's retries: upstream-retries.test.ts.
  const proxy = createProxy({ providers: { gemini: { baseUrl: up.url } }, profiles: { [GEMINI_PROFILE_ID]: {} }, upstream: { retries: { attempts: 0 } } });
  let way: Awaited<ReturnType<Connect>>;
  try {
    way = await connect(proxy);
  } catch (error) {
    await proxy.close();
    await up.close();
    throw error;
  }
  const rows = async () => {
    await proxy.flush();
    return (await proxy.store.listInteractions({ limit: 1000 })).reverse();
  };
  return {
    up,
    proxy,
    client: way.genai({}),
    direct: new GoogleGenAI({ apiKey: GEMINI_KEY, httpOptions: { baseUrl: up.url } }),
    genai: (options = {}) => way.genai(options),
    fetch: (path, init) => way.fetch(path, init),
    lastRow: async () => (await rows()).at(-1),
    rows,
    async close() {
      await way.close();
      await proxy.close();
      await up.close();
    },
  };
}

/** Through a server that mounts the proxy at `/v1`: the SDK's base URL is `<origin>/v1/gemini[/<profile>]`. */
export function startGeminiWayIn(mount: Mount): Promise<GeminiWayIn> {
  return start(async (proxy) => {
    const server = await mount(proxy);
    const base = `${server.origin}/v1/gemini`;
    return {
      genai: ({ apiVersion, headers, profile }) =>
        new GoogleGenAI({ apiKey: GEMINI_KEY, ...(apiVersion ? { apiVersion } : {}), httpOptions: { baseUrl: profile ? `${base}/${profile}` : base, ...(headers ? { headers } : {}) } }),
      fetch: (path, init) => fetch(`${base}${path}`, init),
      close: () => server.close(),
    };
  });
}

/** In-process: the SDK keeps its default URL and runs through `createProxyFetch` or `withArchestra`. */
export function startGeminiInProcess(way: 'createProxyFetch' | 'withArchestra'): Promise<GeminiWayIn> {
  return start(async (proxy) => ({
    genai: ({ apiVersion, headers, profile }) => {
      const target = profile ? { proxyId: profile } : {};
      const options = { apiKey: GEMINI_KEY, ...(apiVersion ? { apiVersion } : {}) };
      if (way === 'withArchestra') return withArchestra(new GoogleGenAI({ ...options, httpOptions: { ...(headers ? { headers } : {}) } }), { proxy, ...target });
      return new GoogleGenAI({ ...options, httpOptions: { fetch: createProxyFetch(proxy, target), ...(headers ? { headers } : {}) } });
    },
    fetch: (path, init) => createProxyFetch(proxy)(`${GEMINI_DEFAULT_ORIGIN}${path}`, init),
    close: async () => {},
  }));
}

/** A response without what the upstream makes up per call (`responseId`) or the SDK adds (`sdkHttpResponse`). */
export function comparable(response: GenerateContentResponse) {
  return { candidates: response.candidates, usageMetadata: response.usageMetadata, modelVersion: response.modelVersion, promptFeedback: response.promptFeedback };
}

/** Every chunk of a `generateContentStream`, comparable. */
export async function collectChunks(stream: AsyncIterable<GenerateContentResponse>): Promise<{ chunks: ReturnType<typeof comparable>[]; text: string; last: GenerateContentResponse | undefined }> {
  const chunks: ReturnType<typeof comparable>[] = [];
  let text = '';
  let last: GenerateContentResponse | undefined;
  for await (const chunk of stream) {
    chunks.push(comparable(chunk));
    // The parts themselves: the SDK's `.text` getter warns when a chunk also holds function calls.
    text += chunk.candidates?.[0]?.content?.parts?.map((part) => part.text ?? '').join('') ?? '';
    last = chunk;
  }
  return { chunks, text, last };
}
