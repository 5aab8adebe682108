import type { BlockedCall } from '../policy/refusal.js';

/** Answers remembered; the oldest is forgotten first past this many. */
const MAX_REMEMBERED = 10_000;

/**
 * Remembers the calls refused in answers that can be read back later by id (the Responses API's
 * `GET /responses/{id}`), so a refused call cannot be fetched afterwards from the provider's copy.
 */
export interface RefusalMemory {
  remember(proxyId: string, answerId: string, blocked: readonly BlockedCall[]): void;
  recall(proxyId: string, answerId: string): BlockedCall[];
}

export function createRefusalMemory(): RefusalMemory {
  const refused = new Map<string, BlockedCall[]>();
  return {
    remember(proxyId, answerId, blocked) {
      if (refused.size >= MAX_REMEMBERED) {
        const oldest = refused.keys().next().value;
        if (oldest !== undefined) refused.delete(oldest);
      }
      refused.set(`${proxyId}\u0000${answerId}`, [...blocked]);
    },
    recall: (proxyId, answerId) => refused.get(`${proxyId}\u0000${answerId}`) ?? [],
  };
}
