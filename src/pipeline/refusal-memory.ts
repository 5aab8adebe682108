import type { BlockedCall } from '../policy/refusal.js';
import type { Store } from '../types.js';

/** Answers remembered in memory; the oldest is forgotten first past this many (the store keeps all). */
const MAX_REMEMBERED = 10_000;

/**
 * Remembers the calls refused in answers that can be read back later by id (the Responses API's
 * `GET /responses/{id}`), so a refused call cannot be fetched afterwards from the provider's copy.
 * The store keeps them across restarts and processes; memory spares it the lookups.
 */
export interface RefusalMemory {
  remember(proxyId: string, answerId: string, blocked: readonly BlockedCall[]): void;
  recall(proxyId: string, answerId: string): Promise<BlockedCall[]>;
}

export function createRefusalMemory(store: Store): RefusalMemory {
  const refused = new Map<string, BlockedCall[]>();
  const keep = (key: string, blocked: BlockedCall[]) => {
    if (refused.size >= MAX_REMEMBERED) {
      const oldest = refused.keys().next().value;
      if (oldest !== undefined) refused.delete(oldest);
    }
    refused.set(key, blocked);
  };
  return {
    remember(proxyId, answerId, blocked) {
      keep(`${proxyId}\u0000${answerId}`, [...blocked]);
      // Called while the answer goes out: a store that fails is reported, the answer is not held up.
      Promise.resolve()
        .then(() => store.saveRefusal?.(proxyId, answerId, blocked))
        .catch((error: unknown) => console.error('[archestra] could not store a refusal:', error instanceof Error ? error.message : error));
    },
    async recall(proxyId, answerId) {
      const key = `${proxyId}\u0000${answerId}`;
      const known = refused.get(key);
      if (known) return known;
      const stored = (await store.findRefusal?.(proxyId, answerId)) ?? [];
      if (stored.length > 0) keep(key, stored);
      return stored;
    },
  };
}
