import { describe, expect, it } from 'vitest';
import type { InteractionRecord, Store } from '../types.js';
import { createAuditLog } from './audit-log.js';
import { createMemoryStore } from './memory-store.js';

function row(id: string): InteractionRecord {
  return {
    id, createdAt: new Date().toISOString(), proxyId: 'default', provider: null, operation: null, model: null, responseModel: null,
    agentId: null, userId: null, sessionId: null, executionId: null, status: 200, outcome: 'ok', error: null,
    stream: false, durationMs: 1, timeToFirstTokenMs: null, inputTokens: null, outputTokens: null,
    requestBody: null, responseBody: null, authMethod: null, virtualKeyId: null, decisions: null,
  };
}

/** A store whose writes complete when the test says (a slow disk), or fail while `failing` is set. */
function gatedStore() {
  const inner = createMemoryStore();
  const batches: string[][] = [];
  const gates: (() => void)[] = [];
  const state = { failing: false };
  const store: Store = {
    ...inner,
    async saveInteractions(rows) {
      batches.push(rows.map((r) => r.id));
      await new Promise<void>((resolve) => gates.push(resolve));
      if (state.failing) throw new Error('disk I/O error');
      inner.saveInteractions(rows);
    },
  };
  const openGate = async () => {
    while (gates.length === 0) await new Promise((resolve) => setImmediate(resolve));
    gates.shift()?.();
  };
  return { store, inner, batches, openGate, state };
}

const settledWithin = async (promise: Promise<unknown> | undefined) => {
  let settled = false;
  void promise?.then(() => (settled = true));
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
  return settled;
};

describe('the audit log, durability commit: group commit', () => {
  it('resolves a row once its batch is committed; rows that finish meanwhile go together in the next write', async () => {
    const { store, inner, batches, openGate } = gatedStore();
    const log = createAuditLog(store, 20, () => {}, 'commit');
    const first = log.append(row('a'));
    expect(first).toBeInstanceOf(Promise);
    expect(await settledWithin(first)).toBe(false);
    const second = log.append(row('b'));
    const third = log.append(row('c'));
    expect(batches).toEqual([['a']]);
    await openGate();
    expect(await first).toBe(true);
    expect(await settledWithin(second)).toBe(false);
    expect(batches).toEqual([['a'], ['b', 'c']]);
    await openGate();
    await Promise.all([second, third]);
    expect((await inner.listInteractions()).map((r) => r.id).sort()).toEqual(['a', 'b', 'c']);
  });

  it('a failed write is reported and its waiters told (false), its rows kept and written by the retry, amended meanwhile', async () => {
    const { store, inner, openGate, state } = gatedStore();
    const errors: unknown[] = [];
    const log = createAuditLog(store, 0, (error) => errors.push(error), 'commit');
    state.failing = true;
    const failed = row('a');
    const waiting = log.append(failed);
    await openGate();
    expect(await waiting).toBe(false);
    expect(errors).toHaveLength(1);
    failed.status = 503;
    const later = log.append(row('b'));
    expect(await settledWithin(later)).toBe(false);
    state.failing = false;
    await openGate(); // the retry, a second later, writes both
    expect(await later).toBe(true);
    expect((await inner.listInteractions()).map((r) => [r.id, r.status]).sort()).toEqual([['a', 503], ['b', 200]]);
  });
});

describe('the audit log, durability batched', () => {
  it('returns nothing to wait for, and writes after flushIntervalMs or on flush()', async () => {
    const inner = createMemoryStore();
    const log = createAuditLog(inner, 60_000, () => {}, 'batched');
    expect(log.append(row('a'))).toBeUndefined();
    expect(await inner.listInteractions()).toEqual([]);
    await log.flush();
    expect((await inner.listInteractions()).map((r) => r.id)).toEqual(['a']);
  });

  it('flush() resolves after one try when the store fails, keeping the rows for the next', async () => {
    const { store, inner, openGate, state } = gatedStore();
    const log = createAuditLog(store, 60_000, () => {}, 'batched');
    state.failing = true;
    log.append(row('a'));
    const flushed = log.flush();
    await openGate();
    await flushed;
    expect(await inner.listInteractions()).toEqual([]);
    state.failing = false;
    const again = log.flush();
    await openGate();
    await again;
    expect((await inner.listInteractions()).map((r) => r.id)).toEqual(['a']);
  });
});

describe('started rows', () => {
  const started = (id: string): InteractionRecord => ({ ...row(id), status: 0, outcome: 'started' });

  it('a short request costs one row: its terminal row takes its queued started row\'s place', async () => {
    const { store, inner, batches, openGate } = gatedStore();
    const log = createAuditLog({ ...store, takesStartedRows: true }, 60_000, () => {}, 'commit');
    log.start(started('a'));
    // Nobody waits for a started row: it does not start a write by itself.
    expect(await settledWithin(Promise.resolve())).toBe(true);
    expect(batches).toEqual([]);
    const done = log.append(row('a'));
    await openGate();
    expect(await done).toBe(true);
    expect(batches).toEqual([['a']]);
    expect((await inner.listInteractions()).map((r) => [r.id, r.outcome])).toEqual([['a', 'ok']]);
  });

  it('a long request: its started row goes with the next write, and its terminal row replaces it in the store', async () => {
    const { store, inner, batches, openGate } = gatedStore();
    const log = createAuditLog({ ...store, takesStartedRows: true }, 60_000, () => {}, 'commit');
    log.start(started('long'));
    const other = log.append(row('short'));
    await openGate();
    expect(await other).toBe(true);
    expect(batches).toEqual([['long', 'short']]);
    expect((await inner.listInteractions()).map((r) => [r.id, r.outcome]).sort()).toEqual([['long', 'started'], ['short', 'ok']]);
    const done = log.append(row('long'));
    await openGate();
    expect(await done).toBe(true);
    expect((await inner.listInteractions()).map((r) => [r.id, r.outcome]).sort()).toEqual([['long', 'ok'], ['short', 'ok']]);
  });

  it('a store that does not say it takes them gets none', async () => {
    const { store, batches, openGate } = gatedStore();
    const log = createAuditLog({ ...store, takesStartedRows: false }, 60_000, () => {}, 'commit');
    log.start(started('a'));
    await log.flush();
    expect(batches).toEqual([]);
    const done = log.append(row('b'));
    await openGate();
    expect(await done).toBe(true);
    expect(batches).toEqual([['b']]);
  });
});

describe('the queue is bounded', () => {
  it('while the store fails, rows wait up to maxQueuedRows; the next is dropped and counted, its waiter told at once; the kept ones are written once it is back', async () => {
    const { store, inner, openGate, state } = gatedStore();
    const dropped: number[] = [];
    const recovered: number[] = [];
    const log = createAuditLog(store, 0, () => {}, 'commit', { maxQueuedRows: 3, onDropped: (n) => dropped.push(n), onRecovered: (n) => recovered.push(n) });
    state.failing = true;
    const first = log.append(row('a'));
    await openGate();
    expect(await first).toBe(false);
    expect(log.writable).toBe(false);
    const kept = [log.append(row('b')), log.append(row('c'))];
    expect(log.queuedRows).toBe(3);
    expect(dropped).toEqual([]);
    expect(await log.append(row('d'))).toBe(false);
    expect(dropped).toEqual([1]);
    expect(log.queuedRows).toBe(3);
    state.failing = false;
    await openGate(); // the retry
    expect(await Promise.all(kept)).toEqual([true, true]);
    expect(recovered).toEqual([1]);
    expect(log.writable).toBe(true);
    expect(log.queuedRows).toBe(0);
    expect((await inner.listInteractions()).map((r) => r.id).sort()).toEqual(['a', 'b', 'c']);
  });

  it('by bytes too: a row that would pass maxQueuedBytes is dropped (an empty queue takes any one row)', async () => {
    const { store, openGate } = gatedStore();
    const dropped: number[] = [];
    const log = createAuditLog(store, 60_000, () => {}, 'batched', { maxQueuedBytes: 5_000, onDropped: (n) => dropped.push(n) });
    const big = { ...row('big'), requestBody: 'x'.repeat(10_000) };
    expect(log.append(big)).toBeUndefined();
    expect(dropped).toEqual([]);
    log.append(row('small'));
    expect(dropped).toEqual([1]);
    const flushed = log.flush();
    await openGate();
    await flushed;
    expect(log.queuedRows).toBe(0);
    log.append(row('small'));
    expect(dropped).toEqual([1]);
  });
});
