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
      const stored = (await store.isSessionTainted?.(proxyId, sessionId)) ?? false;
      if (stored) remember(key);
      return stored;
    },
    async markTainted(proxyId, sessionId, reason) {
      remember(`${proxyId}\u0000${sessionId}`);
      await store.markSessionTainted?.(proxyId, sessionId, reason);
    },
  };
}
