import { describe, expect, it } from 'vitest';
import { applicableBudgets } from './budgets.js';
import { keyBudgetRules, parseKeyBudget, showKeyBudget } from './key-budgets.js';

describe('a virtual key\'s --budget', () => {
  it('reads dollars (with cents) or whole tokens over a rolling or calendar window, and reads back the same', () => {
    expect(parseKeyBudget('50usd/month')).toEqual({ usd: 50, window: 'month' });
    expect(parseKeyBudget('2.5USD/day')).toEqual({ usd: 2.5, window: 'day' });
    expect(parseKeyBudget('2000000tokens/24h')).toEqual({ tokens: 2_000_000, window: '24h' });
    for (const text of ['50usd/month', '2000000tokens/24h', '0.75usd/7d', '10tokens/week']) expect(showKeyBudget(parseKeyBudget(text) as never)).toBe(text);
  });

  it('refuses anything else with a message naming the syntax or the part that is wrong', () => {
    expect(parseKeyBudget('50 dollars')).toBe('--budget must be <amount>usd/<window> or <count>tokens/<window>, window one of 1h, 24h, 7d, 30d (rolling) or day, week, month (calendar, UTC), e.g. 50usd/month or 2000000tokens/24h; got "50 dollars".');
    expect(parseKeyBudget('$50/month')).toContain('--budget must be <amount>usd/<window>');
    expect(parseKeyBudget('50usd/fortnight')).toBe('--budget\'s window must be one of 1h, 24h, 7d, 30d, day, week, month; got "fortnight" in "50usd/fortnight".');
    expect(parseKeyBudget('0usd/day')).toBe('--budget must be more than 0; got "0usd/day".');
    expect(parseKeyBudget('1.5tokens/day')).toBe('--budget\'s tokens must be a whole number up to 10^15; got "1.5tokens/day".');
    expect(parseKeyBudget('2000000000usd/day')).toBe('--budget\'s dollars must be at most 1000000000; got "2000000000usd/day".');
  });

  it('becomes a virtual_key budget with one counter for the key across profiles, none for other keys', () => {
    const rules = keyBudgetRules([{ usd: 50, window: 'month' }, { tokens: 1_000, window: '24h' }]);
    const subject = (profileId: string, virtualKeyId: string | null) => ({ profileId, virtualKeyId, context: {}, model: 'gpt-4o' });
    const now = Date.parse('2026-12-06T12:00:00Z');
    const a = applicableBudgets(rules, subject('default', 'key-1'), now);
    expect(a.map((budget) => [budget.unit, budget.limit, budget.rule.scope])).toEqual([['usd', 50, 'virtual_key'], ['tokens', 1_000, 'virtual_key']]);
    expect(applicableBudgets(rules, subject('other-profile', 'key-1'), now).map((budget) => budget.key)).toEqual(a.map((budget) => budget.key));
    expect(applicableBudgets(rules, subject('default', 'key-2'), now).map((budget) => budget.key)).not.toEqual(a.map((budget) => budget.key));
    expect(applicableBudgets(rules, subject('default', null), now)).toEqual([]);
  });
});
