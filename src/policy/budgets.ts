import type { RequestContext } from '../types.js';
import { type CalendarUnit, periodAt } from './calendar.js';
import { globMatches } from './match.js';
import type { RateSubject } from './rate-limits.js';

/** What a budget says, as the policy reads it (the config's `limits.budgets` entries). */
export interface BudgetRule {
  id: string;
  scope: 'profile' | 'virtual_key' | 'agent' | 'user' | 'session' | 'execution';
  model?: string | undefined;
  usd?: number | undefined;
  tokens?: number | undefined;
  window: { rolling: '1h' | '24h' | '7d' | '30d' } | { calendar: CalendarUnit; timeZone: string };
  maxTokensWhenUnset: number;
  onStoreError: 'refuse' | 'allow';
  onUnknownPrice: 'refuse' | 'allow';
  /** One counter per scope value over every profile (a virtual key's own budget), not one per profile. */
  acrossProfiles?: boolean;
}

export type BudgetUnit = 'usd' | 'tokens';

const ROLLING_MS = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
/** A rolling window is kept in 60 slots: spend leaves it between one window and 1/60 more after it was made. */
const ROLLING_SLOTS = 60;

/** The span of time a budget counts now. */
export interface BudgetWindow {
  /** Spend kept under a slot at or after this (ms) counts. */
  from: number;
  /** The slot spend made now is kept under. */
  slot: number;
  /** A calendar window's end (it starts empty then); null for a rolling window. */
  resetsAt: number | null;
  /** A rolling window's length and slot length (ms), to tell when spend leaves it. */
  rollingMs: number | null;
  slotMs: number | null;
}

/** One counter a request is checked against: which budget, which unit, whose counter, which window. */
export interface AppliedBudget {
  rule: BudgetRule;
  unit: BudgetUnit;
  limit: number;
  key: string;
  window: BudgetWindow;
}

export function budgetWindow(window: BudgetRule['window'], now: number): BudgetWindow {
  if ('rolling' in window) {
    const rollingMs = ROLLING_MS[window.rolling];
    const slotMs = rollingMs / ROLLING_SLOTS;
    const slot = Math.floor(now / slotMs) * slotMs;
    // The slot holding the window's first instant counts whole: spend is never let go early.
    return { from: Math.floor((now - rollingMs) / slotMs) * slotMs, slot, resetsAt: null, rollingMs, slotMs };
  }
  const period = periodAt(now, window.calendar, window.timeZone);
  return { from: period.start, slot: period.start, resetsAt: period.end, rollingMs: null, slotMs: null };
}

/**
 * The counters a request counts against: every budget whose model glob matches and whose scope
 * value the request carries (a request without it is not counted by that budget), once per unit.
 */
export function applicableBudgets(rules: readonly BudgetRule[], subject: RateSubject, now: number): AppliedBudget[] {
  const applied: AppliedBudget[] = [];
  for (const rule of rules) {
    if (rule.model !== undefined && (subject.model === null || !globMatches(rule.model, subject.model))) continue;
    const value = scopeValue(rule.scope, subject.profileId, subject.virtualKeyId, subject.context);
    if (value === undefined || value === null || value === '') continue;
    const window = budgetWindow(rule.window, now);
    const key = (unit: BudgetUnit) => `${rule.acrossProfiles ? '\u0001all' : subject.profileId}\u0000${rule.id}\u0000${unit}\u0000${value}`;
    if (rule.usd !== undefined) applied.push({ rule, unit: 'usd', limit: rule.usd, key: key('usd'), window });
    if (rule.tokens !== undefined) applied.push({ rule, unit: 'tokens', limit: rule.tokens, key: key('tokens'), window });
  }
  return applied;
}

function scopeValue(scope: BudgetRule['scope'], profileId: string, virtualKeyId: string | null, context: RequestContext): string | null | undefined {
  switch (scope) {
    case 'profile':
      return profileId;
    case 'virtual_key':
      return virtualKeyId;
    case 'agent':
      return context.agentId;
    case 'user':
      return context.userId;
    case 'session':
      return context.sessionId;
    case 'execution':
      return context.executionId;
  }
}

/**
 * When a rolling window will have room for `amount` again, as its oldest spend leaves it (`slots`
 * oldest first); null when it never will by that alone (reservations held, or more than the budget).
 */
export function roomAt(budget: AppliedBudget, slots: readonly { slot: number; amount: number }[], held: number, amount: number): number | null {
  const { rollingMs, slotMs } = budget.window;
  if (rollingMs === null || slotMs === null) return budget.window.resetsAt;
  let spent = slots.reduce((sum, slot) => sum + slot.amount, 0);
  for (const slot of slots) {
    spent -= slot.amount;
    if (spent + held + amount <= budget.limit + 1e-9) return slot.slot + slotMs + rollingMs;
  }
  return null;
}
