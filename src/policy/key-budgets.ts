import type { KeyBudget } from '../types.js';
import type { BudgetRule } from './budgets.js';

const WINDOWS = ['1h', '24h', '7d', '30d', 'day', 'week', 'month'] as const;
const ROLLING = new Set<string>(['1h', '24h', '7d', '30d']);

/** What `--budget` takes, for error messages and usage text. */
export const KEY_BUDGET_SYNTAX = '<amount>usd/<window> or <count>tokens/<window>, window one of 1h, 24h, 7d, 30d (rolling) or day, week, month (calendar, UTC), e.g. 50usd/month or 2000000tokens/24h';

/**
 * A virtual key's budget from its text (`50usd/month`, `2000000tokens/24h`, `2.5usd/day`):
 * dollars may have cents, tokens are whole; a string explaining what is wrong otherwise.
 */
export function parseKeyBudget(text: string): KeyBudget | string {
  const match = /^(\d+(?:\.\d+)?)(usd|tokens)\/([a-z0-9]+)$/i.exec(text.trim());
  if (!match) return `--budget must be ${KEY_BUDGET_SYNTAX}; got "${text}".`;
  const amount = Number(match[1]);
  const unit = match[2]!.toLowerCase() as 'usd' | 'tokens';
  const window = match[3]!.toLowerCase();
  if (!(WINDOWS as readonly string[]).includes(window)) return `--budget's window must be one of ${WINDOWS.join(', ')}; got "${match[3]}" in "${text}".`;
  if (!(amount > 0)) return `--budget must be more than 0; got "${text}".`;
  if (unit === 'tokens' && (!Number.isInteger(amount) || amount > 1e15)) return `--budget's tokens must be a whole number up to 10^15; got "${text}".`;
  if (unit === 'usd' && amount > 1e9) return `--budget's dollars must be at most 1000000000; got "${text}".`;
  const windowName = window as KeyBudget['window'];
  return unit === 'usd' ? { usd: amount, window: windowName } : { tokens: amount, window: windowName };
}

/** How a key budget reads back: `50usd/month`. */
export function showKeyBudget(budget: KeyBudget): string {
  return budget.usd !== undefined ? `${budget.usd}usd/${budget.window}` : `${budget.tokens}tokens/${budget.window}`;
}

/**
 * A key's own budgets as budget rules for the budget stage: scope `virtual_key` (that key only),
 * counted across every profile the key may use (`acrossProfiles`), so a key allowed on several
 * profiles still has one budget. Unknown prices and failing counters refuse (fail closed).
 */
export function keyBudgetRules(budgets: readonly KeyBudget[] | null | undefined): BudgetRule[] {
  return (budgets ?? []).map((budget) => ({
    id: `key:${budget.usd !== undefined ? 'usd' : 'tokens'}:${budget.window}`,
    scope: 'virtual_key',
    ...(budget.usd !== undefined ? { usd: budget.usd } : { tokens: budget.tokens }),
    window: ROLLING.has(budget.window) ? { rolling: budget.window as '1h' | '24h' | '7d' | '30d' } : { calendar: budget.window as 'day' | 'week' | 'month', timeZone: 'UTC' },
    maxTokensWhenUnset: 4096,
    onStoreError: 'refuse',
    onUnknownPrice: 'refuse',
    acrossProfiles: true,
  }));
}
