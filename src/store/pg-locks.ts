import type { PoolClient } from 'pg';

/**
 * Takes the transaction's advisory locks on `keys` (one per counter, in `namespace`), in sorted
 * order so two transactions never wait on each other crosswise. Held until the transaction ends:
 * the counters' check and charge run as one step across every host.
 */
export async function lockKeys(client: PoolClient, namespace: string, keys: readonly string[]): Promise<void> {
  const sorted = [...new Set(keys)].sort();
  if (sorted.length === 0) return;
  await client.query('SELECT count(pg_advisory_xact_lock(hashtextextended($1 || k, 0))) FROM unnest($2::text[]) WITH ORDINALITY AS t(k, n)', [`${namespace}:`, sorted]);
}
