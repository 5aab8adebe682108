import { createHash } from 'node:crypto';
import type { Sanitized } from './sanitize.js';

/**
 * Remembers sanitized results, so an agent loop that sends its whole history at every turn pays
 * for the quarantine once per result. It holds the promise: two requests carrying the same new
 * result share one quarantine. A withheld result is not remembered (the next request tries again).
 * Least recently used entries go first.
 */
export interface SanitizeCache {
  /** The remembered outcome for `key`, or `run()`'s, remembered; `cached` says which. */
  get(key: readonly unknown[], run: () => Promise<Sanitized>): Promise<{ sanitized: Sanitized; cached: boolean }>;
}

export function createSanitizeCache(capacity: number): SanitizeCache {
  const entries = new Map<string, Promise<Sanitized>>();
  return {
    async get(key, run) {
      if (capacity === 0) return { sanitized: await run(), cached: false };
      // The key holds the raw result: it is hashed, never kept.
      const id = createHash('sha256').update(JSON.stringify(key)).digest('base64url');
      const known = entries.get(id);
      if (known) {
        entries.delete(id);
        entries.set(id, known);
        return { sanitized: await known, cached: true };
      }
      const pending = run();
      entries.set(id, pending);
      if (entries.size > capacity) entries.delete(entries.keys().next().value as string);
      const sanitized = await pending;
      if (sanitized.outcome !== 'sanitized') entries.delete(id);
      return { sanitized, cached: false };
    },
  };
}
