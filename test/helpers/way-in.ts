/**
 * Shared setup for the framework ways in: a scripted OpenAI upstream, a proxy pointed at it, a
 * server (built by the caller) that mounts the proxy at `/v1` on 127.0.0.1:0, and the real OpenAI
 * SDK pointed at that server (and, for comparison, straight at the upstream).
 *
 *   const h = await startWayIn(async (proxy) => listen(createServer(nodeProxy(proxy, { prefix: '/v1' }))));
 *   await h.client.chat.completions.create(...);   // through the proxy
 *   await h.direct.chat.completions.create(...);   // straight to the upstream
 *   await h.close();
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI, { type ClientOptions } from 'openai';
import { createProxy, type Proxy } from '../../src/index.js';
import type { InteractionRecord } from '../../src/types.js';
import { startOpenAIUpstream, type ScriptedOpenAI } from '../upstream/openai.js';

/** A server listening on 127.0.0.1. */
export interface Listening {
  /** http://127.0.0.1:PORT */
  origin: string;
  close(): Promise<void>;
}

/** Builds and starts a server that mounts `proxy` at `/v1`. */
export type Mount = (proxy: Proxy) => Promise<Listening>;

export const CLIENT_KEY = 'sk-client-key-123';
/** The named profile every harness proxy serves. */
export const PROFILE_ID = 'support-bot';

export interface WayInHarness {
  up: ScriptedOpenAI;
  proxy: Proxy;
  /** The mounting server's origin. */
  origin: string;
  /** `<origin>/v1/openai`: what an OpenAI SDK `baseURL` points at. */
  baseURL: string;
  /** The OpenAI SDK through the proxy (key CLIENT_KEY, no retries). */
  client: OpenAI;
  /** The OpenAI SDK straight to the upstream, for comparison. */
  direct: OpenAI;
  /** Another SDK client through the proxy; `path` is appended to `baseURL` (e.g. `/support-bot`). */
  openai(options?: ClientOptions & { path?: string }): OpenAI;
  /** The newest interaction row, after flushing. */
  lastRow(): Promise<InteractionRecord | undefined>;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:0; `close()` also drops keep-alive connections. */
export async function listen(server: Server): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export async function startWayIn(mount: Mount): Promise<WayInHarness> {
  const up = await startOpenAIUpstream();
  // The ways in pass upstream errors on as they came; the proxy's retries: upstream-retries.test.ts.
  const proxy = createProxy({ providers: { openai: { baseUrl: up.baseUrl } }, profiles: { [PROFILE_ID]: {} }, upstream: { retries: { attempts: 0 } } });
  let server: Listening;
  try {
    server = await mount(proxy);
  } catch (error) {
    await proxy.close();
    await up.close();
    throw error;
  }
  const baseURL = `${server.origin}/v1/openai`;
  const openai = ({ path = '', ...options }: ClientOptions & { path?: string } = {}) =>
    new OpenAI({ apiKey: CLIENT_KEY, maxRetries: 0, ...options, baseURL: `${baseURL}${path}` });
  return {
    up,
    proxy,
    origin: server.origin,
    baseURL,
    client: openai(),
    direct: new OpenAI({ baseURL: up.baseUrl, apiKey: CLIENT_KEY, maxRetries: 0 }),
    openai,
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
