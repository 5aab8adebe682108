import type { RateCounters, RateVerdict } from '../types.js';
import { chargedFullAt, waitMs } from './rate-buckets.js';

/** Every this many calls, buckets that are full again are forgotten (a full bucket needs no entry). */
const SWEEP_EVERY = 1024;

/**
 * Rate-limit counters in this process's memory: the memory store's, and the fallback for a store
 * without its own. Synchronous, so each admission is atomic. Holds need no lease here: they die
 * with the process that took them.
 */
export function createMemoryRateCounters(): RateCounters {
  const fullAt = new Map<string, number>();
  const holdsByKey = new Map<string, Set<string>>();
  const keysByHold = new Map<string, string[]>();
  let calls = 0;

  function sweep(now: number): void {
    if (++calls % SWEEP_EVERY !== 0) return;
    for (const [key, at] of fullAt) if (at <= now) fullAt.delete(key);
  }

  return {
    admit({ now, buckets, holds, holdId }): RateVerdict {
      sweep(now);
      for (const [index, bucket] of buckets.entries()) {
        const wait = waitMs(bucket, fullAt.get(bucket.key), now);
        if (wait > 0) return { admitted: false, kind: 'bucket', index, retryAfterMs: wait };
      }
      for (const [index, hold] of holds.entries()) {
        if ((holdsByKey.get(hold.key)?.size ?? 0) >= hold.max) return { admitted: false, kind: 'hold', index, retryAfterMs: 0 };
      }
      for (const bucket of buckets) if (bucket.cost > 0) fullAt.set(bucket.key, chargedFullAt(bucket, fullAt.get(bucket.key), now));
      if (holds.length > 0) {
        for (const hold of holds) {
          let held = holdsByKey.get(hold.key);
          if (!held) holdsByKey.set(hold.key, (held = new Set()));
          held.add(holdId);
        }
        keysByHold.set(holdId, holds.map((hold) => hold.key));
      }
      return { admitted: true };
    },
    spend(buckets, now) {
      sweep(now);
      for (const bucket of buckets) if (bucket.cost > 0) fullAt.set(bucket.key, chargedFullAt(bucket, fullAt.get(bucket.key), now));
    },
    release(holdId) {
      const keys = keysByHold.get(holdId);
      if (!keys) return;
      keysByHold.delete(holdId);
      for (const key of keys) {
        const held = holdsByKey.get(key);
        held?.delete(holdId);
        if (held?.size === 0) holdsByKey.delete(key);
      }
    },
    renew() {},
  };
}
