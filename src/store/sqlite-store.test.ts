import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { InteractionRecord } from '../types.js';
import { createSqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'archestra-sqlite-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function row(id: string, outcome: InteractionRecord['outcome'], status: number): InteractionRecord {
  return {
    id, createdAt: new Date().toISOString(), proxyId: 'default', provider: 'openai', operation: 'chat', model: 'm', responseModel: null,
    agentId: null, userId: null, sessionId: null, executionId: id, status, outcome, error: null,
    stream: true, durationMs: 1, timeToFirstTokenMs: null, inputTokens: null, outputTokens: null,
    requestBody: null, responseBody: null, authMethod: null, virtualKeyId: null, decisions: null,
  };
}

describe('started rows in a SQLite file', () => {
  it.each([true, false])('writer thread %s: a terminal row replaces its started row; a started row never replaces a terminal one; a repeated write changes nothing', async (writerThread) => {
    const store = createSqliteStore(join(dir, `started-${writerThread}.db`), { writerThread });
    expect(store.takesStartedRows).toBe(true);
    await store.saveInteractions([row('a', 'started', 0), row('b', 'started', 0)]);
    await store.saveInteractions([row('a', 'ok', 200)]);
    // Late or repeated: a started row after its terminal row, the terminal row again with another status.
    await store.saveInteractions([row('a', 'started', 0), row('a', 'upstream_error', 502)]);
    store.saveInteractionsSync([row('a', 'started', 0)]);
    const rows = await store.listInteractions();
    expect(rows.map((r) => [r.id, r.outcome, r.status]).sort()).toEqual([['a', 'ok', 200], ['b', 'started', 0]]);
    await store.close();
  });
});
