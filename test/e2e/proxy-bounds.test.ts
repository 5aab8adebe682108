/**
 * Issue 14, items 5 and 8, for every way in (`proxy.handle`, in process): a cap on requests in
 * flight (`limits.maxInFlight`: just under, served; one over, a 503 with `Retry-After` in the
 * provider's shape, recorded; a place given back, taken again), and a draining close
 * (`proxy.close({ drainMs })`): what finishes in time ends well, the rest is ended in its dialect,
 * every request has its row. Against a byte-level scripted upstream on 127.0.0.1.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Proxy, createProxyFetch, createSqliteStore, isArchestraError } from '../../src/index.js';
import { nodeProxy } from '../../src/ways-in/node.js';
import { auditRows } from '../helpers/proxy.js';
import { type RawUpstream, startRawStreamUpstream } from '../helpers/raw-stream-upstream.js';
import { FORMAT, TEXT, proxyFor } from '../helpers/stream-formats.js';

let up: RawUpstream;
let dir: string;
const proxies: Proxy[] = [];

beforeAll(async () => {
  up = await startRawStreamUpstream();
  dir = mkdtempSync(join(tmpdir(), 'archestra-proxy-bounds-'));
});
afterEach(() => up.reset());
afterAll(async () => {
  for (const proxy of proxies) await proxy.close();
  await up.close();
});

/** Closed after the suite. */
function made(proxy: Proxy): Proxy {
  proxies.push(proxy);
  return proxy;
}

describe('5b: requests beyond limits.maxInFlight (every way in: proxy.handle)', () => {
  it('under the cap: served; over it: 503 with Retry-After in the provider shape, recorded; a place given back is taken again', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const golden = FORMAT.chat.golden();
    up.reply({ headers: { 'content-type': FORMAT.chat.contentType }, steps: [golden[0]!, { until: released }, ...golden.slice(1)] });
    const proxy = made(proxyFor(up.url, { limits: { maxInFlight: 3 } }));

    // Three live streams: the third is just under the cap.
    const live = await Promise.all(
      [1, 2, 3].map(async (n) => {
        const response = await proxy.handle(FORMAT.chat.request({ 'x-archestra-session-id': `live-${n}` }));
        expect(response.status).toBe(200);
        const reader = response.body!.getReader();
        await reader.read();
        return reader;
      }),
    );

    // The fourth, in process through the OpenAI SDK: its own error class, status and Retry-After.
    const openai = new OpenAI({ apiKey: 'sk-bounds', baseURL: `${up.url}/v1`, maxRetries: 0, fetch: createProxyFetch(proxy, { sessionId: 'over-openai' }) });
    const refused = (await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((error: unknown) => error)) as InstanceType<typeof OpenAI.APIError>;
    expect(refused).toBeInstanceOf(OpenAI.InternalServerError);
    expect(refused.status).toBe(503);
    expect(refused.headers?.get('retry-after')).toBe('1');
    expect(refused.error).toMatchObject({ type: 'overloaded_error', message: 'The proxy is serving its limit of 3 requests at once; retry shortly.' });
    // Anthropic's shape for an Anthropic path.
    const anthropic = await proxy.handle(FORMAT.anthropic.request());
    expect(anthropic.status).toBe(503);
    expect(anthropic.headers.get('retry-after')).toBe('1');
    expect(await anthropic.json()).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'The proxy is serving its limit of 3 requests at once; retry shortly.' } });
    expect(up.requests).toHaveLength(3);

    // One client goes away: its place is free again.
    await live[0]!.cancel();
    const next = await proxy.handle(FORMAT.chat.request({ 'x-archestra-session-id': 'after-cancel' }));
    expect(next.status).toBe(200);
    release();
    expect(FORMAT.chat.text(await next.text())).toBe(TEXT);
    for (const reader of live.slice(1)) while (!(await reader.read()).done);

    const rows = await auditRows(proxy);
    expect(rows.filter((row) => row.status === 503).map((row) => [row.provider, row.outcome])).toEqual([
      ['openai', 'rejected'],
      ['anthropic', 'rejected'],
    ]);
    expect(rows).toHaveLength(6);
    // Every place is given back: three more at once are served.
    const three = await Promise.all([1, 2, 3].map(() => proxy.handle(FORMAT.chat.request())));
    expect(three.map((response) => response.status)).toEqual([200, 200, 200]);
    await Promise.all(three.map((response) => response.text()));
  });
});

describe('in process: proxy.close({ drainMs })', () => {
  it('lets what finishes in time end well, ends a live stream with an error event and a request still waiting for its upstream with a 503, refuses new requests meanwhile; every request has its row', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const golden = FORMAT.anthropic.golden();
    up.reply((request) => {
      const fate = request.headers['x-test-fate'];
      if (fate === 'no-headers') return { headersDelayMs: 60_000, steps: [] };
      return { headers: { 'content-type': FORMAT.anthropic.contentType }, steps: fate === 'quick' ? [golden[0]!, { until: released }, ...golden.slice(1)] : [golden[0]!, { hang: true }] };
    });
    const db = join(dir, 'close.db');
    const proxy = proxyFor(up.url, { store: db });
    const ask = (fate: string) => proxy.handle(FORMAT.anthropic.request({ 'x-archestra-session-id': `close-${fate}`, 'x-test-fate': fate }));
    const quick = await ask('quick');
    const stuck = await ask('stuck');
    const unread = await ask('unread');
    const waiting = ask('no-headers');
    await expect.poll(() => up.requests.length).toBe(4);
    const quickText = quick.text();
    const stuckText = stuck.text();

    const closed = proxy.close({ drainMs: 300 });
    const during = await ask('during');
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('1');
    expect(await during.json()).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'The proxy is shutting down.' } });
    release();
    await closed;

    expect(FORMAT.anthropic.succeeded(await quickText)).toBe(true);
    expect(FORMAT.anthropic.errorAtEnd(await stuckText)).toBe('The proxy is shutting down.');
    const answer = await waiting;
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({ error: { message: 'The proxy is shutting down.' } });
    expect(unread.bodyUsed).toBe(false);
    const error = await proxy.handle(FORMAT.anthropic.request()).catch((caught: unknown) => caught);
    expect(isArchestraError(error) && error.code).toBe('ARCHESTRA_CLOSED');

    const store = createSqliteStore(db);
    const rows = await store.listInteractions({ limit: 100 });
    await store.close();
    const bySession = Object.fromEntries(rows.map((row) => [row.sessionId, [row.status, row.outcome, row.error]]));
    expect(bySession).toEqual({
      'close-quick': [200, 'ok', null],
      'close-stuck': [200, 'upstream_error', 'The proxy is shutting down.'],
      // Never read: the proxy could not tell its client, but the row is there.
      'close-unread': [503, 'upstream_error', 'The proxy is shutting down.'],
      'close-no-headers': [503, 'upstream_unreachable', 'The proxy is shutting down.'],
      // Refused at the door: no client-given id is taken (nor becomes a metric label).
      null: [503, 'rejected', 'The proxy is shutting down.'],
    });
  });

  it('a Node server still taking requests for a closed proxy answers 503 (it does not crash)', async () => {
    const proxy = proxyFor(up.url);
    await proxy.close();
    const server = createServer(nodeProxy(proxy, { prefix: '/v1' }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const template = FORMAT.chat.request();
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1${new URL(template.url).pathname}`, { method: 'POST', headers: template.headers, body: await template.text() });
      expect(response.status).toBe(503);
      expect(response.headers.get('connection')).toBe('close');
      expect(await response.json()).toEqual({ error: { message: 'The proxy has been closed.', type: 'overloaded_error' } });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
