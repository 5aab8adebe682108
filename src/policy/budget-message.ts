import type { AppliedBudget, BudgetUnit } from './budgets.js';

function show(unit: BudgetUnit, amount: number): string {
  if (unit === 'tokens') return `${Math.ceil(amount).toLocaleString('en-US')} tokens`;
  return `$${amount < 0.01 ? amount.toPrecision(2) : (Math.ceil(amount * 100) / 100).toFixed(2)}`;
}

function windowName(budget: AppliedBudget): string {
  const { window } = budget.rule;
  return 'rolling' in window ? `the rolling ${window.rolling}` : `the calendar ${window.calendar} (${window.timeZone})`;
}

/**
 * The 402's message: which budget, what it allows over which window, what is used, and when there
 * is room again (`at`, ms; null: not by waiting alone).
 */
export function budgetMessage(budget: AppliedBudget, used: number, amount: number, at: number | null): string {
  const { rule, unit } = budget;
  const per = rule.scope === 'profile' ? 'for this proxy profile' : `per ${rule.scope.replace('_', ' ')}`;
  const model = rule.model === undefined ? '' : ` for models matching "${rule.model}"`;
  const head = `Budget "${rule.id}" exceeded: ${show(unit, budget.limit)} ${per}${model} over ${windowName(budget)}`;
  if (amount > budget.limit) {
    return `${head}; this request alone may use up to ${show(unit, amount)} (its prompt and max tokens), more than the whole budget: lower its max tokens.`;
  }
  const need = `${show(unit, used)} used or reserved, this request may use up to ${show(unit, amount)} (its prompt and max tokens)`;
  if (at === null) return `${head}; ${need}. There is room again once requests in flight end.`;
  const when = budget.window.resetsAt === null ? 'There is room again at' : 'It resets at';
  return `${head}; ${need}. ${when} ${new Date(at).toISOString()}.`;
}
