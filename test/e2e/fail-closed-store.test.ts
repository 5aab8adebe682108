/**
 * The fail-closed matrix, the store row: a PostgreSQL store that cannot be reached (the database
 * stopped: its connections dropped and refused, through a relay cut under the proxy). A virtual
 * key cannot be checked, a session's taint cannot be read: each such request is refused with 503
 * and Retry-After in its provider's shape, recorded, and never reaches the upstream. Audit rows
 * wait (bounded) and are written once the database is back; nothing hangs.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Proxy, createProxy, createProxyFetch } from '../../src/index.js';
import { sampleValue } from '../helpers/metrics.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { type TcpRelay, startTcpRelay } from '../helpers/tcp-relay.js';
import { type ScriptedAnthropic, startAnthropicUpstream } from '../upstream/anthropic.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

let openaiUp: ScriptedOpenAI;
let anthropicUp: ScriptedAnthropic;
let relay: TcpRelay;
let database: string;
let proxy: Proxy;
let virtualKey: string;

const session = (id: string) => ({ 'x-archestra-session-id': id });
const openai = (apiKey: string, headers: Record<string, string> = {}) => new OpenAI({ apiKey, fetch: createProxyFetch(proxy), maxRetries: 0, defaultHeaders: headers });
const anthropic = (headers: Record<string, string>) => new Anthropic({ apiKey: 'sk-ant-test', fetch: createProxyFetch(proxy), maxRetries: 0, defaultHeaders: headers });
const chat = (client: OpenAI, stream = false) => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...(stream ? { stream: true } : {}) } as OpenAI.ChatCompletionCreateParamsNonStreaming);

async function failure(promise: Promise<unknown>): Promise<{ status: number; headers: Headers; error: unknown }> {
  try {
    await promise;
  } catch (error) {
    const { status, headers, error: body } = error as { status: number; headers: Headers; error: unknown };
    return { status, headers, error: body };
  }
  throw new Error('expected the request to be refused');
}

beforeAll(async () => {
  [openaiUp, anthropicUp] = await Promise.all([startOpenAIUpstream(), startAnthropicUpstream()]);
  database = await createTestDatabase('fail_closed_store');
  const url = new URL(database);
  relay = await startTcpRelay(Number(url.port));
  url.port = String(relay.port);
  proxy = createProxy({
    store: url.toString(),
    providers: { openai: { baseUrl: openaiUp.baseUrl, apiKey: 'sk-configured' }, anthropic: { baseUrl: anthropicUp.url } },
    // Answers go out while rows wait: the rows must then be written once the database is back.
    audit: { onFailure: 'continue', durability: 'batched', flushIntervalMs: 5 },
  });
  await proxy.store.ready;
  virtualKey = (await proxy.keys.create({ name: 'outage' })).key;
});
afterAll(async () => {
  await proxy.close();
  await relay.close();
  await Promise.all([openaiUp.close(), anthropicUp.close()]);
});

describe('the PostgreSQL store unreachable: decisions that need it fail closed', () => {
  it('with the database up, a virtual key and a session work', async () => {
    expect((await chat(openai(virtualKey, session('s-up')))).choices[0]?.message.content).toBeTruthy();
  });

  it('with the database down: 503 + Retry-After in each provider\'s shape, recorded; the upstream never sees them; the rows are written once it is back', async () => {
    const before = openaiUp.requests.length + anthropicUp.requests.length;
    await relay.cut();

    // A virtual key that cannot be checked (OpenAI's error shape).
    const byKey = await failure(chat(openai(virtualKey)));
    expect(byKey.status).toBe(503);
    expect(byKey.headers.get('retry-after')).toBe('1');
    expect(byKey.error).toMatchObject({ type: 'upstream_error', message: expect.stringContaining('could not check the credential') });

    // A session whose taint cannot be read: JSON and stream (OpenAI), and Anthropic's shape.
    const byTaint = await failure(chat(openai('sk-test', session('s-down'))));
    expect(byTaint.status).toBe(503);
    expect(byTaint.headers.get('retry-after')).toBe('1');
    expect(byTaint.error).toMatchObject({ message: expect.stringContaining('could not read whether the session is tainted') });
    const streamed = await failure(chat(openai('sk-test', session('s-down')), true));
    expect(streamed.status).toBe(503);
    const byAnthropic = await failure(anthropic(session('s-down')).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }));
    expect(byAnthropic.status).toBe(503);
    expect(byAnthropic.error).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(openaiUp.requests.length + anthropicUp.requests.length).toBe(before);

    // Rows wait for the database, counted in the queue gauge.
    await proxy.flush();
    expect(sampleValue(await proxy.registry.metrics(), 'archestra_audit_queued_rows', {})).toBeGreaterThanOrEqual(4);

    await relay.restore();
    // The next write (retried at least a second after the failed one) takes them all.
    await expect.poll(async () => {
      await proxy.flush();
      return sampleValue(await proxy.registry.metrics(), 'archestra_audit_queued_rows', {});
    }, { timeout: 10_000, interval: 200 }).toBe(0);
    const client = new pg.Client(database);
    await client.connect();
    const { rows } = await client.query<{ status: number; outcome: string; error: string | null }>(`SELECT status, outcome, error FROM interactions WHERE status = 503 ORDER BY seq`);
    await client.end();
    expect(rows).toEqual([
      { status: 503, outcome: 'rejected', error: expect.stringContaining('could not check the credential') },
      { status: 503, outcome: 'rejected', error: 'store unavailable' },
      { status: 503, outcome: 'rejected', error: 'store unavailable' },
      { status: 503, outcome: 'rejected', error: 'store unavailable' },
    ]);
    // And the proxy is whole again.
    expect((await chat(openai(virtualKey, session('s-back')))).choices[0]?.message.content).toBeTruthy();
  });
});
