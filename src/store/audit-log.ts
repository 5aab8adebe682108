import type { InteractionRecord, Store } from '../types.js';

/** Rows that trigger a write at once rather than waiting for the timer. */
const BATCH_SIZE = 256;

export interface AuditLog {
  append(row: InteractionRecord): void;
  /** Writes everything queued; resolves when it is in the store. */
  flush(): Promise<void>;
}

/**
 * Queues interaction rows and writes them in batches off the request path: a request never waits
 * for the disk. A failed write is reported and the rows are kept for the next try, never dropped.
 */
export function createAuditLog(store: Store, flushIntervalMs: number, onError: (error: unknown) => void): AuditLog {
  let queue: InteractionRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  function schedule(delay: number): void {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void write();
    }, delay);
    timer.unref();
  }

  function write(): Promise<void> {
    writing = writing.then(async () => {
      if (queue.length === 0) return;
      const batch = queue;
      queue = [];
      try {
        await store.saveInteractions(batch);
      } catch (error) {
        queue = batch.concat(queue);
        onError(error);
        schedule(Math.max(flushIntervalMs, 1000));
      }
    });
    return writing;
  }

  return {
    append(row) {
      queue.push(row);
      if (queue.length < BATCH_SIZE) return schedule(flushIntervalMs);
      if (timer) clearTimeout(timer);
      timer = undefined;
      void write();
    },
    async flush() {
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      await write();
    },
  };
}
