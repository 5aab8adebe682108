import type { PoolClient } from 'pg';
import type { RateAdmission, RateBucket, RateCounters, RateVerdict } from '../types.js';
import type { PgRunner } from './pg-client.js';
import { lockKeys } from './pg-locks.js';
import { pgKey } from './pg-rows.js';
import { chargedFullAt, waitMs } from './rate-buckets.js';

/**
 * Rate-limit counters in PostgreSQL, shared by every host. An admission is one transaction that
 * first takes an advisory lock on each of its buckets and holds: the check and the charge are one
 * step across hosts, so two never both take the last unit.
 */
export function pgRateCounters(db: PgRunner): RateCounters {
  return {
    admit: ({ now, buckets: given, holds: held, holdId, owner, holdUntil }: RateAdmission) =>
      db.transaction(async (client): Promise<RateVerdict> => {
        const buckets = given.map(escaped);
        const holds = held.map(escaped);
        await lockKeys(client, 'rate', [...buckets.map((bucket) => bucket.key), ...holds.map((hold) => hold.key)]);
        const fullAt = await readBuckets(client, buckets);
        for (const [index, bucket] of buckets.entries()) {
          const wait = waitMs(bucket, fullAt.get(bucket.key), now);
          if (wait > 0) return { admitted: false, kind: 'bucket', index, retryAfterMs: wait };
        }
        if (holds.length > 0) {
          const { rows } = await client.query<{ key: string; held: number }>('SELECT key, count(*)::int AS held FROM rate_holds WHERE key = ANY($1::text[]) AND expires_at > $2 GROUP BY key', [holds.map((hold) => hold.key), now]);
          const taken = new Map(rows.map((row) => [row.key, row.held]));
          for (const [index, hold] of holds.entries()) {
            if ((taken.get(hold.key) ?? 0) >= hold.max) return { admitted: false, kind: 'hold', index, retryAfterMs: 0 };
          }
        }
        await charge(client, buckets, fullAt, now);
        if (holds.length > 0) {
          await client.query(`INSERT INTO rate_holds (id, key, owner, expires_at) SELECT $1, k, $2, $3 FROM unnest($4::text[]) AS k
            ON CONFLICT (id, key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at`, [holdId, owner, holdUntil, [...new Set(holds.map((hold) => hold.key))]]);
        }
        return { admitted: true };
      }),
    spend: (buckets, now) =>
      db.transaction(async (client) => {
        const charged = buckets.filter((bucket) => bucket.cost > 0).map(escaped);
        await lockKeys(client, 'rate', charged.map((bucket) => bucket.key));
        await charge(client, charged, await readBuckets(client, charged), now);
      }),
    async release(holdId) {
      await db.query('DELETE FROM rate_holds WHERE id = $1', [holdId]);
    },
    async renew(owner, until, now) {
      await db.query('UPDATE rate_holds SET expires_at = $1 WHERE owner = $2', [until, owner]);
      // Cleaning up on the way: full buckets need no row, lapsed holds count for nothing.
      await db.query('DELETE FROM rate_buckets WHERE full_at <= $1', [now]);
      await db.query('DELETE FROM rate_holds WHERE expires_at <= $1', [now]);
    },
  };
}

/** Keys as stored (the proxy's keys hold NUL separators, which PostgreSQL text cannot). */
function escaped<T extends { key: string }>(limit: T): T {
  return { ...limit, key: pgKey(limit.key) };
}

async function readBuckets(client: PoolClient, buckets: readonly RateBucket[]): Promise<Map<string, number>> {
  if (buckets.length === 0) return new Map();
  const { rows } = await client.query<{ key: string; full_at: number }>('SELECT key, full_at FROM rate_buckets WHERE key = ANY($1::text[])', [buckets.map((bucket) => bucket.key)]);
  return new Map(rows.map((row) => [row.key, row.full_at]));
}

/** Takes each bucket's cost (in order: two buckets of one key both count), in one statement. */
async function charge(client: PoolClient, buckets: readonly RateBucket[], fullAt: Map<string, number>, now: number): Promise<void> {
  const next = new Map<string, number>();
  for (const bucket of buckets) {
    if (bucket.cost <= 0) continue;
    next.set(bucket.key, chargedFullAt(bucket, next.get(bucket.key) ?? fullAt.get(bucket.key), now));
  }
  if (next.size === 0) return;
  await client.query(`INSERT INTO rate_buckets (key, full_at) SELECT * FROM unnest($1::text[], $2::float8[])
    ON CONFLICT (key) DO UPDATE SET full_at = excluded.full_at`, [[...next.keys()], [...next.values()]]);
}
