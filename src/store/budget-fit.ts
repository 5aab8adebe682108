import type { BudgetCounter } from '../types.js';

/** Float slack for dollar sums (prices are fractions of a cent per token). */
const EPSILON = 1e-9;

/** Spend older than this is in no window (the longest: a 30-day rolling one, a 31-day month). */
export const SPEND_KEPT_MS = 40 * 86_400_000;

/** Whether `counter.amount` fits what the window holds already (spent, plus reservations held). */
export function fits(counter: BudgetCounter, spent: number, held: number): boolean {
  return spent + held + counter.amount <= counter.limit + EPSILON;
}
