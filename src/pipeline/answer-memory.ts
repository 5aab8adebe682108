import type { AnswerContextRecord, Store } from '../types.js';
import { unavailableOnFailure } from './taint-tracker.js';

/** Answers remembered in memory; past this many the oldest is forgotten first (the store keeps all). */
const MAX_REMEMBERED = 2_000;
/** A context holding more text than this is left to the store (memory stays bounded). */
const MAX_REMEMBERED_TEXT = 256 * 1024;

/**
 * Remembers the context each answer that can be read back by id was judged in (the Responses
 * API's stored and background responses), so `GET /responses/{id}` and a resumed stream are
 * judged under the taint and policy of the request that made them. The store keeps the context
 * with the answer's interaction row (across restarts and hosts); memory spares it the lookups and
 * covers the moments before the row is written.
 */
export interface AnswerMemory {
  remember(proxyId: string, answerId: string, context: AnswerContextRecord): void;
  recall(proxyId: string, answerId: string): Promise<AnswerContextRecord | undefined>;
}

export function createAnswerMemory(store: Store): AnswerMemory {
  const known = new Map<string, AnswerContextRecord>();
  const keep = (key: string, context: AnswerContextRecord) => {
    if (textLength(context) > MAX_REMEMBERED_TEXT) return;
    known.delete(key);
    if (known.size >= MAX_REMEMBERED) {
      const oldest = known.keys().next().value;
      if (oldest !== undefined) known.delete(oldest);
    }
    known.set(key, context);
  };
  return {
    remember: (proxyId, answerId, context) => keep(`${proxyId}\u0000${answerId}`, context),
    async recall(proxyId, answerId) {
      const key = `${proxyId}\u0000${answerId}`;
      const remembered = known.get(key);
      if (remembered) return remembered;
      const stored = await unavailableOnFailure(() => store.findAnswerContext?.(proxyId, answerId), 'recall how the answer was judged');
      if (stored) keep(key, stored);
      return stored;
    },
  };
}

function textLength({ verdict }: AnswerContextRecord): number {
  let length = 0;
  for (const entry of verdict.trustedTexts) length += entry.text.length;
  for (const entry of verdict.untrustedTexts) length += entry.text.length;
  return length;
}
