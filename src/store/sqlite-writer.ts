import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { PruneStep } from './retention.js';

/**
 * The writer thread's code. It runs as CommonJS in its own thread with its own connection, so a
 * batch's commit (an fsync with `synchronous=FULL`: 0.3 ms typically, 8 ms at p99 on this disk)
 * never blocks the event loop that serves requests. Retention's deletes run here too, a batch at
 * a time: rows to commit are taken between two batches (`runPruneSteps` in retention.ts, in CJS).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = ' + workerData.synchronous);
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
const insert = db.prepare(workerData.sql);
const insertAll = db.transaction((rows) => { for (const row of rows) insert.run(row); });
async function prune(steps) {
  let deleted = 0;
  for (const step of steps) {
    const statement = db.prepare(step.sql);
    const batch = step.params[step.params.length - 1];
    for (;;) {
      if (!db.open) return deleted;
      const { changes } = statement.run(...step.params);
      deleted += changes;
      if (changes < batch) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return deleted;
}
parentPort.on('message', ({ id, rows, steps, close }) => {
  if (close) {
    try { db.pragma('wal_checkpoint(TRUNCATE)'); } catch {}
    db.close();
    parentPort.postMessage({ id });
    return;
  }
  if (steps) {
    prune(steps).then(
      (value) => parentPort.postMessage({ id, value }),
      (error) => parentPort.postMessage({ id, error: String((error && error.message) || error) }),
    );
    return;
  }
  try {
    insertAll(rows);
    parentPort.postMessage({ id });
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.message) || error) });
  }
});
`;

export interface SqliteWriter {
  /** Resolves once the rows are committed; rejects with the database's error. */
  write(rows: readonly Record<string, unknown>[]): Promise<void>;
  /** Runs retention's deletes on the thread, between commits; resolves with the rows deleted. */
  prune(steps: readonly PruneStep[]): Promise<number>;
  close(): Promise<void>;
}

interface Message {
  rows?: readonly Record<string, unknown>[];
  steps?: readonly PruneStep[];
  close?: true;
}

/** A writer thread that inserts rows with `sql` (named parameters) into the database at `path`. */
export function createSqliteWriter(path: string, sql: string, synchronous: 'FULL' | 'NORMAL', busyTimeoutMs = 5_000): SqliteWriter {
  const pending = new Map<number, { resolve(value: number): void; reject(error: Error): void }>();
  let nextId = 0;
  let worker: Worker | null = null;

  /** Started on the first write: a process that writes nothing never has the thread. */
  function start(): Worker {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const started = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, path, sql, synchronous, busyTimeoutMs: Math.floor(busyTimeoutMs) } });
    started.on('message', ({ id, value, error }: { id: number; value?: number; error?: string }) => {
      const waiter = pending.get(id);
      pending.delete(id);
      if (error === undefined) waiter?.resolve(value ?? 0);
      else waiter?.reject(new Error(error));
    });
    started.on('error', (error) => {
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
      worker = null;
    });
    return started;
  }

  function send(message: Message): Promise<number> {
    worker ??= start();
    const thread = worker;
    const id = nextId++;
    return new Promise<number>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      // Held while a write is in flight; idle, the thread must not keep a process alive.
      thread.ref();
      thread.postMessage({ id, ...message });
    }).finally(() => {
      if (pending.size === 0) thread.unref();
    });
  }
  return {
    write: async (rows) => {
      await send({ rows });
    },
    prune: (steps) => send({ steps }),
    async close() {
      if (!worker) return;
      await send({ close: true });
      await worker?.terminate();
      worker = null;
    },
  };
}
