import type { RateBucket } from '../types.js';

/**
 * Token buckets as GCRA keeps them: one number per bucket, the time it is full again (`fullAt`,
 * ms). A bucket of `limit` units refilled at `limit` per `windowMs` takes one unit per
 * `windowMs / limit` ms; it holds `limit - (fullAt - now) / interval` units now. So a bucket needs
 * no timer and no history, and one that is full needs no row at all.
 */

/** Float slack: `7 x (60000 / 7)` need not be exactly 60000. */
const EPSILON_MS = 1e-6;

/** Milliseconds one unit takes to refill. */
export function unitMs(bucket: RateBucket): number {
  return bucket.windowMs / bucket.limit;
}

/**
 * How long until the bucket holds one unit again (0: it holds one now), given when it is full
 * (`fullAt`, absent: full).
 */
export function waitMs(bucket: RateBucket, fullAt: number | undefined, now: number): number {
  if (fullAt === undefined) return 0;
  const wait = fullAt - now - (bucket.limit - 1) * unitMs(bucket);
  return wait > EPSILON_MS ? wait : 0;
}

/** When the bucket is full again once `cost` units are taken from it now. */
export function chargedFullAt(bucket: RateBucket, fullAt: number | undefined, now: number, cost = bucket.cost): number {
  return Math.max(fullAt ?? now, now) + cost * unitMs(bucket);
}
