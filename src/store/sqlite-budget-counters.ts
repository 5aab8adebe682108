import type Database from 'better-sqlite3';
import type { BudgetCounters, BudgetReservation, BudgetSpend, BudgetVerdict } from '../types.js';
import { SPEND_KEPT_MS, fits } from './budget-fit.js';

/**
 * Budget counters in the SQLite file, shared by every process that opens it. Each reservation is
 * one IMMEDIATE transaction (it takes the write lock before it reads), so two processes never both
 * take the last of a budget. On the rate counters' connection (`synchronous = NORMAL`): spend
 * survives a process crash, not a power loss.
 */
export function sqliteBudgetCounters(db: Database.Database): BudgetCounters {
  const sumSpent = db.prepare('SELECT coalesce(sum(amount), 0) FROM budget_spend WHERE key = ? AND slot >= ?').pluck();
  const sumHeld = db.prepare('SELECT coalesce(sum(amount), 0) FROM budget_holds WHERE key = ? AND expires_at > ?').pluck();
  const hold = db.prepare('INSERT OR REPLACE INTO budget_holds (id, key, amount, owner, expires_at) VALUES (?, ?, ?, ?, ?)');
  const drop = db.prepare('DELETE FROM budget_holds WHERE id = ?');
  const addSpend = db.prepare('INSERT INTO budget_spend (key, slot, amount) VALUES (?, ?, ?) ON CONFLICT (key, slot) DO UPDATE SET amount = amount + excluded.amount');
  const renewHolds = db.prepare('UPDATE budget_holds SET expires_at = ? WHERE owner = ?');
  const forgetOld = db.prepare('DELETE FROM budget_spend WHERE slot < ?');
  const forgetLapsed = db.prepare('DELETE FROM budget_holds WHERE expires_at <= ?');
  const slots = db.prepare('SELECT slot, amount FROM budget_spend WHERE key = ? AND slot >= ? ORDER BY slot');

  const reserve = db.transaction(({ now, counters, id, owner, until }: BudgetReservation): BudgetVerdict => {
    for (const [index, counter] of counters.entries()) {
      const spent = sumSpent.get(counter.key, counter.from) as number;
      const held = sumHeld.get(counter.key, now) as number;
      if (!fits(counter, spent, held)) return { reserved: false, index, spent, held };
    }
    for (const counter of counters) hold.run(id, counter.key, counter.amount, owner, until);
    return { reserved: true };
  });
  const settle = db.transaction((id: string, spent: readonly BudgetSpend[]) => {
    drop.run(id);
    for (const { key, slot, amount } of spent) if (amount > 0) addSpend.run(key, slot, amount);
  });
  const renew = db.transaction((owner: string, until: number, now: number) => {
    renewHolds.run(until, owner);
    forgetOld.run(now - SPEND_KEPT_MS);
    forgetLapsed.run(now);
  });

  return {
    reserve: (reservation) => reserve.immediate(reservation),
    settle: (id, spent) => settle.immediate(id, spent),
    renew: (owner, until, now) => renew.immediate(owner, until, now),
    spentSince: (key, from) => slots.all(key, from) as { slot: number; amount: number }[],
  };
}
