/**
 * Item 1 of issue 14 (checklist D2): "the client got an answer => its row is committed". The
 * bundled server on a file store, under concurrent load of JSON and streamed chat calls, is
 * killed with SIGKILL at a different moment in each round; every request whose whole answer a
 * client received (a JSON body, a stream to its end) has its row with the status the client got,
 * and the file is sound. Requests still in flight at the kill show as `started` (checklist D2).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/index.js';
import { startCli } from '../helpers/cli-server.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

let up: ScriptedOpenAI;
let dir: string;

beforeAll(async () => {
  up = await startOpenAIUpstream();
  dir = mkdtempSync(join(tmpdir(), 'archestra-durability-'));
});
afterAll(async () => {
  await up.close();
  rmSync(dir, { recursive: true, force: true });
});

const CLIENTS = 16;

interface Round {
  sent: Set<string>;
  /** The status of each answer received whole, by execution id. */
  answered: Map<string, number>;
  /** How many of them were whole 200 answers (a JSON completion, a stream to its `[DONE]`). */
  completions: number;
}

/**
 * CLIENTS clients call the server in a loop until it dies; it is killed once `killAfter` answers
 * have come back (plus a few random milliseconds), so the kill lands among requests in flight.
 */
async function killedUnderLoad(url: string, kill: () => void, round: number, killAfter: number): Promise<Round> {
  const sent = new Set<string>();
  const answered = new Map<string, number>();
  let completions = 0;
  let next = 0;
  let killed = false;
  async function client(): Promise<void> {
    for (;;) {
      const n = next++;
      const id = `r${round}-${n}`;
      const stream = n % 2 === 1;
      sent.add(id);
      try {
        const response = await fetch(`${url}/v1/openai/chat/completions`, {
          method: 'POST',
          headers: { authorization: 'Bearer sk-durability', 'content-type': 'application/json', 'x-archestra-execution-id': id },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `call ${n}` }], stream }),
        });
        // A stream is answered at its last event (`[DONE]`), whether or not its end follows; any
        // other answer once its body has ended (an error too: a 502 is an answer the client got).
        const text = stream && response.status === 200 ? await untilDone(response) : await response.text();
        answered.set(id, response.status);
        if (response.status === 200 && (stream ? text.includes('data: [DONE]') : text.includes('"choices"'))) completions++;
      } catch (error) {
        if (killed) return;
        throw error;
      }
      if (answered.size >= killAfter && !killed) {
        killed = true;
        setTimeout(kill, Math.floor(Math.random() * 5));
      }
    }
  }
  await Promise.all(Array.from({ length: CLIENTS }, client));
  return { sent, answered, completions };
}

/** Reads a stream up to its `[DONE]` event (then stops reading); throws if it breaks off first. */
async function untilDone(response: Response): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text;
    text += decoder.decode(value, { stream: true });
    if (text.includes('data: [DONE]')) {
      void reader.cancel().catch(() => {});
      return text;
    }
  }
}

async function rowsIn(path: string): Promise<{ rows: Map<string, { status: number; outcome: string }>; integrity: unknown }> {
  // Opened read-write, as a restarted server would: the killed server's WAL is recovered.
  const store = createSqliteStore(path);
  const rows = new Map((await store.listInteractions({ limit: 100_000 })).map((row) => [row.executionId ?? '', { status: row.status, outcome: row.outcome }]));
  await store.close();
  const db = new Database(path, { readonly: true });
  try {
    return { rows, integrity: db.pragma('integrity_check', { simple: true }) };
  } finally {
    db.close();
  }
}

describe('kill -9 under load (bundled server, file store, audit.durability commit)', () => {
  it('every request whose answer a client received has its row, in every round; the file is sound', async () => {
    const killAfter = [10, 60, 150];
    const rounds = await Promise.all(killAfter.map(async (after, round) => {
      const db = join(dir, `round-${round}.db`);
      const server = await startCli(['--port', '0', '--db', db], { ARCHESTRA_OPENAI_BASE_URL: up.baseUrl });
      const result = await killedUnderLoad(server.url, () => server.child.kill('SIGKILL'), round, after);
      expect((await server.exited).signal).toBe('SIGKILL');
      return { ...result, ...(await rowsIn(db)) };
    }));

    for (const [round, { sent, answered, completions, rows, integrity }] of rounds.entries()) {
      expect(integrity).toBe('ok');
      expect(completions).toBeGreaterThanOrEqual(killAfter[round]! / 2);
      const missing = [...answered].filter(([id, status]) => rows.get(id)?.status !== status);
      expect(missing, `round ${round}: ${answered.size} answered, ${rows.size} rows`).toEqual([]);
      // Nothing recorded that was not asked for.
      expect([...rows.keys()].filter((id) => !sent.has(id))).toEqual([]);
      // A row still `started` belongs to a request whose answer no client got whole.
      const started = [...rows].filter(([, row]) => row.outcome === 'started').map(([id]) => id);
      expect(started.filter((id) => answered.has(id))).toEqual([]);
    }
  });

  it('requests in flight at the kill show as started: provider, model, request body, status 0', async () => {
    const stalled = await startOpenAIUpstream();
    // Each stream sends its first events and then nothing: the requests stay in flight.
    stalled.reply({ kind: 'chat', content: 'never finished' }, { hangAfterEvents: 2 });
    const db = join(dir, 'in-flight.db');
    const server = await startCli(['--port', '0', '--db', db], { ARCHESTRA_OPENAI_BASE_URL: stalled.baseUrl });
    try {
      const ids = ['f0', 'f1', 'f2', 'f3', 'f4'];
      await Promise.all(ids.map(async (id) => {
        const response = await fetch(`${server.url}/v1/openai/chat/completions`, {
          method: 'POST',
          headers: { authorization: 'Bearer sk-durability', 'content-type': 'application/json', 'x-archestra-execution-id': id },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `in flight ${id}` }], stream: true }),
        });
        // The first event has come: the request is at its upstream.
        await response.body!.getReader().read();
      }));
      // Started rows go with the next write (at most `audit.flushIntervalMs` later): wait until they are in.
      const reader = new Database(db, { readonly: true });
      const count = reader.prepare("SELECT COUNT(*) AS n FROM interactions WHERE outcome = 'started'");
      for (let attempt = 0; (count.get() as { n: number }).n < ids.length && attempt < 200; attempt++) await new Promise((resolve) => setTimeout(resolve, 10));
      reader.close();
      server.child.kill('SIGKILL');
      expect((await server.exited).signal).toBe('SIGKILL');
      const { rows, integrity } = await rowsIn(db);
      expect(integrity).toBe('ok');
      expect([...rows.keys()].sort()).toEqual(ids);
      expect([...rows.values()].every((row) => row.outcome === 'started' && row.status === 0)).toBe(true);
      const store = createSqliteStore(db);
      const [one] = await store.listInteractions({ limit: 1 });
      await store.close();
      expect(one).toMatchObject({ provider: 'openai', operation: 'chat', model: 'gpt-4o-mini', stream: true, responseBody: null });
      expect(one?.requestBody).toContain('in flight');
    } finally {
      server.child.kill('SIGKILL');
      await stalled.close();
    }
  });
});
