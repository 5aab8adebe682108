/**
 * Shared setup for driving the real Anthropic SDK through a way in: a scripted Anthropic
 * upstream, a proxy pointed at it, a server (built by the caller, see `Mount`) mounting the proxy
 * at `/v1`, and the SDK pointed at `<server>/v1/anthropic` (and, for comparison, at the upstream).
 */
import Anthropic, { type ClientOptions } from '@anthropic-ai/sdk';
import { createProxy, type Proxy } from '../../src/index.js';
import type { InteractionRecord } from '../../src/types.js';
import { type ScriptedAnthropic, startAnthropicUpstream } from '../upstream/anthropic.js';
import type { Mount } from './way-in.js';

export const ANTHROPIC_KEY = 'sk-ant-api03-client-key-7c1e';
export const ANTHROPIC_PROFILE_ID = 'support-bot';
export const MODEL = 'claude-sonnet-4-6';

export interface AnthropicWayIn {
  up: ScriptedAnthropic;
  proxy: Proxy;
  origin: string;
  /** `<origin>/v1/anthropic`: the SDK's `baseURL` (it appends `/v1/messages`). */
  baseURL: string;
  /** The SDK through the proxy (key ANTHROPIC_KEY, no retries). */
  client: Anthropic;
  /** The SDK straight to the upstream, for comparison. */
  direct: Anthropic;
  /** Another SDK client through the proxy; `path` is appended to `baseURL` (e.g. `/support-bot`). */
  anthropic(options?: ClientOptions & { path?: string }): Anthropic;
  lastRow(): Promise<InteractionRecord | undefined>;
  close(): Promise<void>;
}

/** Keeps `new Anthropic()` on its public default and off any key from the environment. */
export function clearAnthropicEnv(): () => void {
  const names = ['ANTHROPIC_BASE_URL', 'ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN'];
  const saved = names.map((name) => [name, process.env[name]] as const);
  for (const name of names) delete process.env[name];
  return () => {
    for (const [name, value] of saved) if (value !== undefined) process.env[name] = value;
  };
}

export async function startAnthropicWayIn(mount: Mount): Promise<AnthropicWayIn> {
  const up = await startAnthropicUpstream();
  // The ways in pass upstream errors on as they came; the proxy's retries: upstream-retries.test.ts.
  const proxy = createProxy({ providers: { anthropic: { baseUrl: up.url } }, profiles: { [ANTHROPIC_PROFILE_ID]: {} }, upstream: { retries: { attempts: 0 } } });
  let server;
  try {
    server = await mount(proxy);
  } catch (error) {
    await proxy.close();
    await up.close();
    throw error;
  }
  const baseURL = `${server.origin}/v1/anthropic`;
  const anthropic = ({ path = '', ...options }: ClientOptions & { path?: string } = {}) =>
    new Anthropic({ apiKey: ANTHROPIC_KEY, maxRetries: 0, ...options, baseURL: `${baseURL}${path}` });
  return {
    up,
    proxy,
    origin: server.origin,
    baseURL,
    client: anthropic(),
    direct: new Anthropic({ apiKey: ANTHROPIC_KEY, maxRetries: 0, baseURL: up.url }),
    anthropic,
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

/** A message without what the scripted upstream makes up per response (its id, thinking signatures). */
export function comparableMessage(message: Anthropic.Message) {
  const { id: _id, ...rest } = message;
  return { ...rest, content: message.content.map((block) => (block.type === 'thinking' ? { ...block, signature: '' } : block)) };
}

/** The events of a raw stream (`messages.create({ stream: true })`), without the message id. */
export async function collectEvents(stream: AsyncIterable<Anthropic.RawMessageStreamEvent>): Promise<unknown[]> {
  const events: unknown[] = [];
  for await (const event of stream) {
    events.push(event.type === 'message_start' ? { ...event, message: { ...event.message, id: 'msg' } } : event);
  }
  return events;
}

/** The text the text deltas of collected events add up to. */
export function eventsText(events: unknown[]): string {
  return events
    .map((event) => {
      const e = event as { type: string; delta?: { type: string; text?: string } };
      return e.type === 'content_block_delta' && e.delta?.type === 'text_delta' ? (e.delta.text ?? '') : '';
    })
    .join('');
}
