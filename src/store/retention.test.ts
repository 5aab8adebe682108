import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { InteractionRecord } from '../types.js';
import { PRUNE_BATCH_ROWS } from './retention.js';
import { createSqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'archestra-retention-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOUR = 60 * 60 * 1000;

function row(id: string, createdAt = new Date().toISOString()): InteractionRecord {
  return {
    id, createdAt, proxyId: 'default', provider: null, operation: null, model: null, responseModel: null,
    agentId: null, userId: null, sessionId: null, executionId: null, status: 200, outcome: 'ok', error: null,
    stream: false, durationMs: 1, timeToFirstTokenMs: null, inputTokens: null, outputTokens: null,
    requestBody: 'x'.repeat(100), responseBody: null, authMethod: null, virtualKeyId: null, decisions: null,
  };
}

const ids = async (path: string) => {
  const reader = createSqliteStore(path);
  const rows = await reader.listInteractions({ limit: 100_000 });
  await reader.close();
  return rows.map((kept) => kept.id);
};

describe('audit retention on a file store', () => {
  it('maxRows: keeps exactly the newest N rows, deletes the rest', async () => {
    const path = join(dir, 'rows.db');
    const store = createSqliteStore(path, { retention: { maxRows: 5 } });
    await store.saveInteractions(Array.from({ length: 5 }, (_, i) => row(`r${i}`)));
    expect(await store.applyRetention()).toBe(0);
    await store.saveInteractions([row('r5'), row('r6'), row('r7')]);
    expect(await store.applyRetention()).toBe(3);
    await store.close();
    expect(await ids(path)).toEqual(['r7', 'r6', 'r5', 'r4', 'r3']);
  });

  it('maxAgeDays: deletes the rows older than the limit, keeps the ones just inside it', async () => {
    const path = join(dir, 'age.db');
    const now = Date.now();
    const store = createSqliteStore(path, { retention: { maxAgeDays: 1 } });
    await store.saveInteractions([
      row('old', new Date(now - 48 * HOUR).toISOString()),
      row('just-over', new Date(now - 24 * HOUR - 60_000).toISOString()),
      row('just-under', new Date(now - 24 * HOUR + 60_000).toISOString()),
      row('new', new Date(now).toISOString()),
    ]);
    expect(await store.applyRetention()).toBe(2);
    await store.close();
    expect(await ids(path)).toEqual(['new', 'just-under']);
  });

  it('deletes in batches on the writer thread while rows keep being committed, and the file stays sound', async () => {
    const path = join(dir, 'batches.db');
    const old = new Date(Date.now() - 10 * 24 * HOUR).toISOString();
    const filler = createSqliteStore(path);
    await filler.saveInteractions(Array.from({ length: PRUNE_BATCH_ROWS * 3 + 7 }, (_, i) => row(`old${i}`, old)));
    await filler.close();

    const store = createSqliteStore(path, { retention: { maxAgeDays: 7, maxRows: 10 } });
    const pruned = store.applyRetention();
    // Written while retention runs: neither waits for the other to finish.
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.saveInteractions([row(`new${i}`)])));
    expect(await pruned).toBe(PRUNE_BATCH_ROWS * 3 + 7);
    await store.applyRetention();
    await store.close();
    const kept = await ids(path);
    expect(kept).toHaveLength(10);
    expect(kept.every((id) => id.startsWith('new'))).toBe(true);
  });

  it('runs by itself when the store opens', async () => {
    const path = join(dir, 'open.db');
    const filler = createSqliteStore(path);
    await filler.saveInteractions([row('a'), row('b'), row('c')]);
    await filler.close();
    const store = createSqliteStore(path, { retention: { maxRows: 1 } });
    await expect.poll(async () => (await store.listInteractions()).map((kept) => kept.id), { interval: 20 }).toEqual(['c']);
    await store.close();
  });

  it('without the writer thread, runs on the store connection in the same batches', async () => {
    const path = join(dir, 'main.db');
    const store = createSqliteStore(path, { writerThread: false, retention: { maxRows: 2 } });
    await store.saveInteractions(Array.from({ length: PRUNE_BATCH_ROWS + 3 }, (_, i) => row(`r${i}`)));
    expect(await store.applyRetention()).toBe(PRUNE_BATCH_ROWS + 1);
    expect((await store.listInteractions()).map((kept) => kept.id)).toEqual([`r${PRUNE_BATCH_ROWS + 2}`, `r${PRUNE_BATCH_ROWS + 1}`]);
    await store.close();
  });
});
