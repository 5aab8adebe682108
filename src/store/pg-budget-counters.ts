import type { BudgetCounters, BudgetReservation, BudgetSpend, BudgetVerdict } from '../types.js';
import { SPEND_KEPT_MS, fits } from './budget-fit.js';
import type { PgRunner } from './pg-client.js';
import { lockKeys } from './pg-locks.js';
import { pgKey } from './pg-rows.js';

/**
 * Budget counters in PostgreSQL, shared by every host. A reservation is one transaction that
 * first takes an advisory lock on each of its budgets, then sums spend and reservations and
 * reserves on all or none: hosts never together overshoot a budget. Settling drops the
 * reservation and adds the spend in one transaction, so a reservation never sees half of it.
 */
export function pgBudgetCounters(db: PgRunner): BudgetCounters {
  return {
    reserve: ({ now, counters: given, id, owner, until }: BudgetReservation) =>
      db.transaction(async (client): Promise<BudgetVerdict> => {
        // Keys as stored (the proxy's keys hold NUL separators, which PostgreSQL text cannot).
        const counters = given.map((counter) => ({ ...counter, key: pgKey(counter.key) }));
        await lockKeys(client, 'budget', counters.map((counter) => counter.key));
        const { rows } = await client.query<{ spent: number; held: number }>(`SELECT
            (SELECT coalesce(sum(amount), 0) FROM budget_spend s WHERE s.key = c.key AND s.slot >= c.since)::float8 AS spent,
            (SELECT coalesce(sum(amount), 0) FROM budget_holds h WHERE h.key = c.key AND h.expires_at > $3)::float8 AS held
          FROM unnest($1::text[], $2::float8[]) WITH ORDINALITY AS c(key, since, n) ORDER BY n`,
          [counters.map((counter) => counter.key), counters.map((counter) => counter.from), now]);
        for (const [index, counter] of counters.entries()) {
          const { spent, held } = rows[index] ?? { spent: 0, held: 0 };
          if (!fits(counter, spent, held)) return { reserved: false, index, spent, held };
        }
        // One reservation per key (the last counter of a key wins, as a replace would leave it).
        const amounts = new Map(counters.map((counter) => [counter.key, counter.amount]));
        if (amounts.size > 0) {
          await client.query(`INSERT INTO budget_holds (id, key, amount, owner, expires_at) SELECT $1, k, a, $2, $3 FROM unnest($4::text[], $5::float8[]) AS t(k, a)
            ON CONFLICT (id, key) DO UPDATE SET amount = excluded.amount, owner = excluded.owner, expires_at = excluded.expires_at`, [id, owner, until, [...amounts.keys()], [...amounts.values()]]);
        }
        return { reserved: true };
      }),
    settle: (id, spent: readonly BudgetSpend[]) =>
      db.transaction(async (client) => {
        await client.query('DELETE FROM budget_holds WHERE id = $1', [id]);
        const sums = new Map<string, BudgetSpend>();
        for (const entry of spent) {
          if (!(entry.amount > 0)) continue;
          const key = pgKey(entry.key);
          const name = `${key}\u0000${entry.slot}`;
          const kept = sums.get(name);
          sums.set(name, { key, slot: entry.slot, amount: (kept?.amount ?? 0) + entry.amount });
        }
        if (sums.size === 0) return;
        const entries = [...sums.values()];
        await client.query(`INSERT INTO budget_spend (key, slot, amount) SELECT * FROM unnest($1::text[], $2::float8[], $3::float8[])
          ON CONFLICT (key, slot) DO UPDATE SET amount = budget_spend.amount + excluded.amount`,
          [entries.map((entry) => entry.key), entries.map((entry) => entry.slot), entries.map((entry) => entry.amount)]);
      }),
    async renew(owner, until, now) {
      await db.query('UPDATE budget_holds SET expires_at = $1 WHERE owner = $2', [until, owner]);
      await db.query('DELETE FROM budget_spend WHERE slot < $1', [now - SPEND_KEPT_MS]);
      await db.query('DELETE FROM budget_holds WHERE expires_at <= $1', [now]);
    },
    async spentSince(key, from) {
      return (await db.query<{ slot: number; amount: number }>('SELECT slot, amount FROM budget_spend WHERE key = $1 AND slot >= $2 ORDER BY slot', [pgKey(key), from])).rows;
    },
  };
}
