import type { InteractionRecord, Store } from '../types.js';
import { type ExitFlushable, watchForExit } from './exit-flush.js';

/** Batched: rows that trigger a write at once rather than waiting for the timer. */
const BATCH_SIZE = 256;
/** After a failed write, the least wait before the next try. */
const RETRY_MS = 1_000;

/**
 * `commit`: a row is written as soon as the previous write is done (group commit: rows that finish
 * while a write is in flight go together in the next one), and `append` says when it is committed.
 * `batched`: rows wait up to `flushIntervalMs` to be written together; nobody waits for them.
 */
export type AuditDurability = 'commit' | 'batched';

export interface AuditLog {
  /**
   * Queues a row. With `commit` durability, resolves with true once the row is committed, or
   * with false when the write that held it failed (reported; the row is kept and retried, and
   * may still be amended until then); otherwise undefined.
   */
  append(row: InteractionRecord): Promise<boolean> | undefined;
  /** Writes everything queued; resolves once it is in the store (or its write failed, which is reported). */
  flush(): Promise<void>;
}

interface Waiter {
  promise: Promise<boolean>;
  resolve(committed: boolean): void;
}

function waiter(): Waiter {
  let resolve!: (committed: boolean) => void;
  const promise = new Promise<boolean>((done) => (resolve = done));
  return { promise, resolve };
}

/**
 * Queues interaction rows and writes them off the request path: the event loop never waits for
 * the disk. A failed write is reported and its rows kept for the next try, never dropped. Rows
 * still queued when the process ends are written then (`exit-flush.ts`).
 */
export function createAuditLog(store: Store, flushIntervalMs: number, onError: (error: unknown) => void, durability: AuditDurability = 'batched'): AuditLog {
  let queue: InteractionRecord[] = [];
  /** Settled when the write of the rows now in `queue` ends (commit durability only). */
  let queued: Waiter | null = null;
  /** The rows being written, and that write. */
  let inFlight: readonly InteractionRecord[] = [];
  let writing: Promise<void> | null = null;
  let timer: NodeJS.Timeout | undefined;
  let failing = false;
  /** Rows appended so far; the write in flight holds the rows up to `writingThrough` (or earlier ones). */
  let appended = 0;
  let writingThrough = 0;

  /** This log as the process's end sees it. */
  const pending: ExitFlushable = {
    flush: () => flushAll(),
    rows: () => [...inFlight, ...queue],
    saveNow(rows) {
      store.saveInteractionsSync?.(rows);
      queue = [];
    },
    canSaveNow: typeof store.saveInteractionsSync === 'function',
    get failing() {
      return failing;
    },
  };
  const exit = watchForExit();

  function schedule(delay: number): void {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void write();
    }, delay);
    timer.unref();
  }

  function write(): Promise<void> {
    if (writing) return writing;
    if (queue.length === 0) return Promise.resolve();
    clearTimeout(timer);
    timer = undefined;
    const batch = queue;
    const done = queued;
    writingThrough = appended;
    queue = [];
    queued = null;
    inFlight = batch;
    writing = (async () => {
      try {
        // Never synchronously: `writing` must be set before this attempt can end.
        await null;
        await store.saveInteractions(batch);
        failing = false;
        done?.resolve(true);
      } catch (error) {
        failing = true;
        queue = batch.concat(queue);
        // Their answers are withheld (fail closed): they do not wait for a store that may not come back.
        done?.resolve(false);
        onError(error);
      } finally {
        inFlight = [];
        writing = null;
      }
      if (queue.length === 0) exit.idle(pending);
      else if (failing) schedule(Math.max(flushIntervalMs, RETRY_MS));
      else if (durability === 'commit') void write();
      else schedule(flushIntervalMs);
    })();
    return writing;
  }

  /** One try for every row appended so far (after the write in flight, if it holds only earlier rows). */
  async function flushAll(): Promise<void> {
    const target = appended;
    while (writing || queue.length > 0) {
      const attempt = write();
      const through = writingThrough;
      await attempt;
      if (through >= target) return;
    }
  }

  return {
    append(row) {
      if (queue.length === 0 && !writing) exit.busy(pending);
      queue.push(row);
      appended++;
      if (durability === 'commit') {
        queued ??= waiter();
        // In a microtask: the rows that finish in this same turn go in one write.
        if (!writing && !failing && queue.length === 1) queueMicrotask(() => void write());
        return queued.promise;
      }
      if (queue.length < BATCH_SIZE || failing) schedule(flushIntervalMs);
      else void write();
      return undefined;
    },
    flush: flushAll,
  };
}
