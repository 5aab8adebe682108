/**
 * U7 (SECURITY-TESTS.md): 2,000 concurrent slow requests against the bundled server (a child
 * process, file store) with `limits.maxInFlight` set. The cap holds (the upstream never sees more
 * at once), the excess is refused with 503 + Retry-After in the provider's shape while the served
 * ones are still held upstream (so the refusals do not wait for them), the server's RSS grows by
 * a bounded amount, it stays up, and every request has its row.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli-server.js';
import { completionBody, DEFAULT_CHAT_REPLY, type ChatReply } from '../upstream/openai.js';

const CLIENTS = 2_000;
const CAP = 50;
/** Generous (about 25 MB measured): 2,000 connections, 1,950 refusals and their rows must not cost the server more. */
const RSS_GROWTH_BOUND_MB = 100;

let dir: string;
let upstream: Server;
let upstreamUrl: string;
/** Requests the upstream holds now, and the most it ever held at once. */
const held = { now: 0, most: 0, total: 0 };
let release!: () => void;
let released = new Promise<void>((resolve) => (release = resolve));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'archestra-overload-'));
  // A slow upstream: every request waits until the test releases them all.
  upstream = createServer((incoming, response) => {
    incoming.resume();
    incoming.on('end', () => {
      held.now++;
      held.total++;
      held.most = Math.max(held.most, held.now);
      void released.then(() => {
        held.now--;
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(completionBody(DEFAULT_CHAT_REPLY as ChatReply, 'gpt-4o-mini')));
      });
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  release();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** The child's resident set, in MB, from /proc. */
function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error('no VmRSS');
  return Number(match[1]) / 1024;
}

describe('U7: overload against the bundled server', () => {
  it(`${CLIENTS} concurrent slow requests, limits.maxInFlight ${CAP}: the cap holds, the rest get 503 + Retry-After at once, memory bounded, every request has its row`, async () => {
    const db = join(dir, 'overload.db');
    const config = join(dir, 'overload.json');
    writeFileSync(config, JSON.stringify({ server: { port: 0 }, store: db, providers: { openai: { baseUrl: upstreamUrl } }, limits: { maxInFlight: CAP } }));
    const server = await startCli(['--config', config]);
    const pid = server.child.pid!;
    // One connection per client, as 2,000 separate agents would open.
    const agent = new Agent({ connections: null, pipelining: 0 });
    const send = (n: number) =>
      request(`${server.url}/v1/openai/chat/completions`, {
        method: 'POST',
        dispatcher: agent,
        headers: { authorization: 'Bearer sk-overload', 'content-type': 'application/json', 'x-archestra-session-id': `c-${n}` },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `request ${n}` }] }),
      }).then(async (response) => ({ n, status: response.statusCode, retryAfter: response.headers['retry-after'], body: await response.body.text() }));
    try {
      // Warm up (code loaded, store open), then measure.
      release();
      expect((await send(-1)).status).toBe(200);
      released = new Promise<void>((resolve) => (release = resolve));
      const before = rssMb(pid);

      const answers: Awaited<ReturnType<typeof send>>[] = [];
      const all = Array.from({ length: CLIENTS }, (_, n) => send(n).then((answer) => (answers.push(answer), answer)));
      // Every refusal comes back while the served requests are still held upstream: nothing waits for them.
      await expect.poll(() => answers.length, { timeout: 60_000, interval: 50 }).toBe(CLIENTS - CAP);
      expect(held.now).toBe(CAP);
      const peak = rssMb(pid);
      release();
      await Promise.all(all);

      expect(held.most).toBe(CAP);
      expect(held.total).toBe(CAP + 1);
      const refused = answers.filter((answer) => answer.status === 503);
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(CAP);
      expect(refused).toHaveLength(CLIENTS - CAP);
      for (const answer of refused) {
        expect(answer.retryAfter).toBe('1');
        expect(JSON.parse(answer.body)).toEqual({ error: expect.objectContaining({ type: 'overloaded_error', message: expect.stringContaining(`limit of ${CAP} requests`) }) });
      }
      expect(peak - before, `RSS ${before.toFixed(0)} MB -> ${peak.toFixed(0)} MB`).toBeLessThan(RSS_GROWTH_BOUND_MB);
      // Still serving.
      expect((await send(-2)).status).toBe(200);
    } finally {
      await agent.close();
      server.child.kill('SIGTERM');
    }
    expect((await server.exited).code).toBe(0);

    const file = new Database(db, { readonly: true });
    try {
      // A refused request is recorded before its headers are read (its session id is the client's word, unproven).
      const rows = file.prepare('SELECT status, count(*) AS n FROM interactions GROUP BY status ORDER BY status').all();
      expect(rows).toEqual([{ status: 200, n: CAP + 2 }, { status: 503, n: CLIENTS - CAP }]);
    } finally {
      file.close();
    }
  }, 120_000);
});
