import { StoreUnavailableError } from '../errors.js';
import type { Store } from '../types.js';

export interface TaintTracker {
  isTainted(proxyId: string, sessionId: string): Promise<boolean>;
  markTainted(proxyId: string, sessionId: string, reason: string): Promise<void>;
}

/** Most tainted sessions remembered in memory; the store remembers all of them. */
const MAX_REMEMBERED = 100_000;

/**
 * Remembers which sessions read untrusted content. Taint is never lifted, so a session in the
 * memory set needs no lookup; the store keeps it across restarts and processes.
 */
export function createTaintTracker(store: Store): TaintTracker {
  const tainted = new Set<string>();
  const remember = (key: string) => {
    if (tainted.size >= MAX_REMEMBERED) {
      const oldest = tainted.values().next().value;
      if (oldest !== undefined) tainted.delete(oldest);
    }
    tainted.add(key);
  };
  return {
    async isTainted(proxyId, sessionId) {
      const key = `${proxyId}\u0000${sessionId}`;
      if (tainted.has(key)) return true;
      const stored = (await unavailableOnFailure(() => store.isSessionTainted?.(proxyId, sessionId), 'read whether the session is tainted')) ?? false;
      if (stored) remember(key);
      return stored;
    },
    async markTainted(proxyId, sessionId, reason) {
      remember(`${proxyId}\u0000${sessionId}`);
      await unavailableOnFailure(() => store.markSessionTainted?.(proxyId, sessionId, reason), 'remember that the session is tainted');
    },
  };
}

/**
 * A store that fails a taint read or write fails the request (503), never lets it through as
 * clean: whatever the store threw, the request cannot be judged.
 */
export async function unavailableOnFailure<T>(call: () => T | Promise<T>, what: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new StoreUnavailableError(`The proxy could not ${what}: its store failed.`, { cause: error });
  }
}
