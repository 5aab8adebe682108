import type { InteractionRecord, Store } from '../types.js';
import { type ExitFlushable, watchForExit } from './exit-flush.js';
import { rowBytes } from './memory-store.js';

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
   * Queues a terminal row. With `commit` durability, resolves with true once the row is
   * committed, or with false when the write that held it failed (reported; the row is kept and
   * retried, and may still be amended until then) or the queue had no room for it (counted,
   * `onDropped`); otherwise undefined.
   */
  append(row: InteractionRecord): Promise<boolean> | undefined;
  /**
   * Queues a request's "started" row (outcome `started`), written with the next write or after
   * `flushIntervalMs`, never on its own account: nobody waits for it. Its terminal row replaces it
   * while both are queued, so a short request costs one row. Skipped while the store cannot
   * write, and for a store that does not take started rows (`Store.takesStartedRows`).
   */
  start(row: InteractionRecord): void;
  /** Writes everything queued; resolves once it is in the store (or its write failed, which is reported). */
  flush(): Promise<void>;
  /** False while the last write failed or the queue is full: a new row may not be written. */
  readonly writable: boolean;
  /** Rows waiting to be written (queued and in flight). */
  readonly queuedRows: number;
}

/** How much may wait to be written, and who hears of what could not. */
export interface AuditLogLimits {
  /** Most rows waiting (queued and in flight); beyond it a new row is dropped and counted. @default 10000 */
  maxQueuedRows?: number;
  /** Most bytes of rows waiting (`rowBytes`); beyond it a new row is dropped and counted. @default 67108864 */
  maxQueuedBytes?: number;
  /** A row was dropped: the queue had no room (the store is failing or too slow). */
  onDropped?(rows: number): void;
  /** A write succeeded after `failedWrites` failed ones. */
  onRecovered?(failedWrites: number): void;
}

export const AUDIT_QUEUE_DEFAULTS = { maxQueuedRows: 10_000, maxQueuedBytes: 64 * 1024 * 1024 } as const;

interface Waiter {
  promise: Promise<boolean>;
  resolve(committed: boolean): void;
}

function waiter(): Waiter {
  let resolve!: (committed: boolean) => void;
  const promise = new Promise<boolean>((done) => (resolve = done));
  return { promise, resolve };
}

interface Queued {
  row: InteractionRecord;
  bytes: number;
}

const NOT_QUEUED = Promise.resolve(false);

/**
 * Queues interaction rows and writes them off the request path: the event loop never waits for
 * the disk. A failed write is reported and its rows kept for the next try; what waits is bounded
 * (`limits`), and a row that finds no room is counted (`onDropped`), never silently lost. Rows
 * still queued when the process ends are written then (`exit-flush.ts`).
 */
export function createAuditLog(store: Store, flushIntervalMs: number, onError: (error: unknown) => void, durability: AuditDurability = 'batched', limits: AuditLogLimits = {}): AuditLog {
  const maxRows = limits.maxQueuedRows ?? AUDIT_QUEUE_DEFAULTS.maxQueuedRows;
  const maxBytes = limits.maxQueuedBytes ?? AUDIT_QUEUE_DEFAULTS.maxQueuedBytes;
  const takesStarted = store.takesStartedRows === true;
  let queue: Queued[] = [];
  /** Where each started row still in `queue` is, by request id: its terminal row takes its place. */
  let startedAt = new Map<string, number>();
  /** Settled when the write of the rows now in `queue` ends (commit durability only). */
  let queued: Waiter | null = null;
  /** The rows being written, and that write. */
  let inFlight: readonly Queued[] = [];
  let writing: Promise<void> | null = null;
  let timer: NodeJS.Timeout | undefined;
  /** A write is asked for in this turn's microtask (commit durability). */
  let kicked = false;
  let failing = false;
  let failedWrites = 0;
  /** Rows and bytes waiting: queued and in flight. */
  let waitingRows = 0;
  let waitingBytes = 0;
  /** Rows appended so far; the write in flight holds the rows up to `writingThrough` (or earlier ones). */
  let appended = 0;
  let writingThrough = 0;

  /** This log as the process's end sees it. */
  const pending: ExitFlushable = {
    flush: () => flushAll(),
    rows: () => [...inFlight, ...queue].map((entry) => entry.row),
    saveNow(rows) {
      store.saveInteractionsSync?.(rows);
      queue = [];
      startedAt = new Map();
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
    startedAt = new Map();
    queued = null;
    inFlight = batch;
    writing = (async () => {
      try {
        // Never synchronously: `writing` must be set before this attempt can end.
        await null;
        await store.saveInteractions(batch.map((entry) => entry.row));
        waitingRows -= batch.length;
        for (const entry of batch) waitingBytes -= entry.bytes;
        if (failing) limits.onRecovered?.(failedWrites);
        failing = false;
        failedWrites = 0;
        done?.resolve(true);
      } catch (error) {
        failing = true;
        failedWrites++;
        queue = reindex(batch.concat(queue));
        // Their answers are withheld (fail closed): they do not wait for a store that may not come back.
        done?.resolve(false);
        onError(error);
      } finally {
        inFlight = [];
        writing = null;
      }
      if (queue.length === 0) exit.idle(pending);
      else if (failing) schedule(Math.max(flushIntervalMs, RETRY_MS));
      // A row someone waits for goes at once; started rows alone wait for the timer.
      else if (durability === 'commit' && queued) void write();
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

  /**
   * After a failed write (once a second at most): a started row whose terminal row came while it
   * was being written leaves the queue, and the others' terminal rows will still take their places.
   */
  function reindex(rows: Queued[]): Queued[] {
    const ended = new Set<string>();
    for (const entry of rows) if (entry.row.outcome !== 'started') ended.add(entry.row.id);
    const kept: Queued[] = [];
    startedAt = new Map();
    for (const entry of rows) {
      if (entry.row.outcome === 'started' && ended.has(entry.row.id)) {
        waitingRows--;
        waitingBytes -= entry.bytes;
        continue;
      }
      if (entry.row.outcome === 'started') startedAt.set(entry.row.id, kept.length);
      kept.push(entry);
    }
    return kept;
  }

  /** Whether `bytes` more (and `rows` more rows) fit; an empty queue takes any one row. */
  function room(rows: number, bytes: number): boolean {
    if (waitingRows === 0) return true;
    return waitingRows + rows <= maxRows && waitingBytes + bytes <= maxBytes;
  }

  /** Puts a row in the queue (in its started row's place if that is still queued); false when there is no room. */
  function enqueue(row: InteractionRecord): boolean {
    const bytes = rowBytes(row);
    const at = startedAt.get(row.id);
    const replaced = at === undefined ? undefined : queue[at];
    if (at !== undefined && replaced) {
      if (!room(0, bytes - replaced.bytes)) return false;
      startedAt.delete(row.id);
      queue[at] = { row, bytes };
      waitingBytes += bytes - replaced.bytes;
      return true;
    }
    if (!room(1, bytes)) return false;
    if (queue.length === 0 && !writing) exit.busy(pending);
    queue.push({ row, bytes });
    waitingRows++;
    waitingBytes += bytes;
    appended++;
    return true;
  }

  return {
    append(row) {
      if (!enqueue(row)) {
        limits.onDropped?.(1);
        return durability === 'commit' ? NOT_QUEUED : undefined;
      }
      if (durability === 'commit') {
        queued ??= waiter();
        // In a microtask: the rows that finish in this same turn go in one write.
        if (!writing && !failing && !kicked) {
          kicked = true;
          queueMicrotask(() => {
            kicked = false;
            void write();
          });
        }
        return queued.promise;
      }
      if (queue.length < BATCH_SIZE || failing) schedule(flushIntervalMs);
      else void write();
      return undefined;
    },
    start(row) {
      if (!takesStarted || failing || startedAt.has(row.id)) return;
      const before = queue.length;
      if (!enqueue(row)) return;
      startedAt.set(row.id, before);
      if (!writing) schedule(flushIntervalMs);
    },
    flush: flushAll,
    get writable() {
      return !failing && waitingRows < maxRows && waitingBytes < maxBytes;
    },
    get queuedRows() {
      return waitingRows;
    },
  };
}
