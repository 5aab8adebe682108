import { randomUUID } from 'node:crypto';

/** How long a hold (a concurrency place, a budget reservation) lives without renewal: a crashed process gives its holds back after it. */
export const HOLD_LEASE_MS = 60_000;
const RENEW_EVERY_MS = HOLD_LEASE_MS / 3;

/**
 * The bookkeeping both counter stages share (rate limits, budgets): this process's owner id for its
 * holds in the store, a renewal timer that runs only while something is held, and a store-error log
 * throttled to one line per 10 s (a failing store must not flood the log).
 */
export interface CounterLeases {
  readonly owner: string;
  /** A hold was taken: the renewal timer runs while any is. */
  taken(): void;
  /** A hold was given back. */
  given(): void;
  logError(what: string, error: unknown): void;
  close(): void;
}

export function createCounterLeases(label: string, renew: (owner: string, until: number, at: number) => unknown, now: () => number): CounterLeases {
  const owner = randomUUID();
  let held = 0;
  let timer: NodeJS.Timeout | undefined;
  let lastLog = 0;
  const leases: CounterLeases = {
    owner,
    taken() {
      if (held++ === 0) timer = setInterval(renewAll, RENEW_EVERY_MS).unref();
    },
    given() {
      if (--held === 0) clearInterval(timer);
    },
    logError(what, error) {
      if (Date.now() - lastLog < 10_000) return;
      lastLog = Date.now();
      console.error(`[archestra] ${label} counters failed (${what}):`, error instanceof Error ? error.message : error);
    },
    close() {
      clearInterval(timer);
    },
  };
  function renewAll(): void {
    const at = now();
    Promise.resolve()
      .then(() => renew(owner, at + HOLD_LEASE_MS, at))
      .catch((error: unknown) => leases.logError('renew', error));
  }
  return leases;
}
