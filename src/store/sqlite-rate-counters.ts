import type Database from 'better-sqlite3';
import type { RateAdmission, RateBucket, RateCounters, RateVerdict } from '../types.js';
import { chargedFullAt, waitMs } from './rate-buckets.js';

/**
 * Rate-limit counters in the SQLite file, shared by every process that opens it. Each admission
 * is one IMMEDIATE transaction (it takes the write lock before it reads), so two processes never
 * both take the last unit. `db` should be a connection of its own with `synchronous = NORMAL`:
 * counters need not survive power loss, and a request must not wait for an fsync.
 */
export function sqliteRateCounters(db: Database.Database): RateCounters {
  const readBucket = db.prepare('SELECT full_at FROM rate_buckets WHERE key = ?').pluck();
  const writeBucket = db.prepare('INSERT INTO rate_buckets (key, full_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET full_at = excluded.full_at');
  const countHolds = db.prepare('SELECT count(*) FROM rate_holds WHERE key = ? AND expires_at > ?').pluck();
  const takeHold = db.prepare('INSERT OR REPLACE INTO rate_holds (id, key, owner, expires_at) VALUES (?, ?, ?, ?)');
  const releaseHold = db.prepare('DELETE FROM rate_holds WHERE id = ?');
  const renewHolds = db.prepare('UPDATE rate_holds SET expires_at = ? WHERE owner = ?');
  const forgetFull = db.prepare('DELETE FROM rate_buckets WHERE full_at <= ?');
  const forgetLapsed = db.prepare('DELETE FROM rate_holds WHERE expires_at <= ?');

  const charge = (buckets: readonly RateBucket[], now: number) => {
    for (const bucket of buckets) {
      if (bucket.cost > 0) writeBucket.run(bucket.key, chargedFullAt(bucket, readBucket.get(bucket.key) as number | undefined, now));
    }
  };
  const admit = db.transaction(({ now, buckets, holds, holdId, owner, holdUntil }: RateAdmission): RateVerdict => {
    for (const [index, bucket] of buckets.entries()) {
      const wait = waitMs(bucket, readBucket.get(bucket.key) as number | undefined, now);
      if (wait > 0) return { admitted: false, kind: 'bucket', index, retryAfterMs: wait };
    }
    for (const [index, hold] of holds.entries()) {
      if ((countHolds.get(hold.key, now) as number) >= hold.max) return { admitted: false, kind: 'hold', index, retryAfterMs: 0 };
    }
    charge(buckets, now);
    for (const hold of holds) takeHold.run(holdId, hold.key, owner, holdUntil);
    return { admitted: true };
  });
  const spend = db.transaction(charge);
  const renew = db.transaction((owner: string, until: number, now: number) => {
    renewHolds.run(until, owner);
    // Cleaning up on the way: full buckets need no row, lapsed holds count for nothing.
    forgetFull.run(now);
    forgetLapsed.run(now);
  });

  return {
    admit: (admission) => admit.immediate(admission),
    spend: (buckets, now) => spend.immediate(buckets, now),
    release(holdId) {
      releaseHold.run(holdId);
    },
    renew: (owner, until, now) => renew.immediate(owner, until, now),
  };
}
