import type { BudgetCounters, BudgetSpend, BudgetVerdict } from '../types.js';
import { SPEND_KEPT_MS, fits } from './budget-fit.js';

/** Every this many reservations, spend older than any window is forgotten. */
const SWEEP_EVERY = 1024;

/**
 * Budget counters in this process's memory: the memory store's, and the fallback for a store
 * without its own. Synchronous, so each reservation is atomic. Reservations need no lease here:
 * they die with the process that made them.
 */
export function createMemoryBudgetCounters(): BudgetCounters {
  /** Spend by key, then by slot. */
  const spend = new Map<string, Map<number, number>>();
  /** Reserved amounts held by key, summed. */
  const heldByKey = new Map<string, number>();
  const reservations = new Map<string, { key: string; amount: number }[]>();
  let calls = 0;

  const spentSince = (key: string, from: number) => {
    let total = 0;
    for (const [slot, amount] of spend.get(key) ?? []) if (slot >= from) total += amount;
    return total;
  };
  function sweep(now: number): void {
    if (++calls % SWEEP_EVERY !== 0) return;
    for (const [key, slots] of spend) {
      for (const slot of slots.keys()) if (slot < now - SPEND_KEPT_MS) slots.delete(slot);
      if (slots.size === 0) spend.delete(key);
    }
  }

  return {
    reserve({ now, counters, id }): BudgetVerdict {
      sweep(now);
      for (const [index, counter] of counters.entries()) {
        const spent = spentSince(counter.key, counter.from);
        const held = heldByKey.get(counter.key) ?? 0;
        if (!fits(counter, spent, held)) return { reserved: false, index, spent, held };
      }
      for (const counter of counters) heldByKey.set(counter.key, (heldByKey.get(counter.key) ?? 0) + counter.amount);
      reservations.set(id, counters.map(({ key, amount }) => ({ key, amount })));
      return { reserved: true };
    },
    settle(id, spent: readonly BudgetSpend[]) {
      for (const { key, amount } of reservations.get(id) ?? []) {
        const left = (heldByKey.get(key) ?? 0) - amount;
        if (left > 1e-12) heldByKey.set(key, left);
        else heldByKey.delete(key);
      }
      reservations.delete(id);
      for (const { key, slot, amount } of spent) {
        if (amount <= 0) continue;
        let slots = spend.get(key);
        if (!slots) spend.set(key, (slots = new Map()));
        slots.set(slot, (slots.get(slot) ?? 0) + amount);
      }
    },
    renew() {},
    spentSince(key, from) {
      return [...(spend.get(key) ?? [])].filter(([slot]) => slot >= from).sort(([a], [b]) => a - b).map(([slot, amount]) => ({ slot, amount }));
    },
  };
}
