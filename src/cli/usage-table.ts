import type { UsageDimension, UsageSummary } from '../types.js';

const COLUMNS = ['spend_usd', 'unpriced', 'requests', 'refusals', 'input', 'output', 'cached', 'reasoning'] as const;

/** Dollars to 4 decimals below a cent (small calls cost fractions of one), else to 2. */
export function formatUsd(amount: number): string {
  return amount !== 0 && Math.abs(amount) < 0.01 ? amount.toFixed(4) : amount.toFixed(2);
}

/**
 * The summaries as an aligned table, in the order given (most spend first), with a total line
 * when there is more than one group. `names` shows a key by its name as well as its id.
 */
export function usageTable(by: readonly UsageDimension[], summaries: readonly UsageSummary[], names: ReadonlyMap<string, string>): string {
  const label = (dimension: UsageDimension, value: string | null | undefined) => {
    if (value === null || value === undefined) return '-';
    const name = dimension === 'key' ? names.get(value) : undefined;
    return name ? `${name} (${value})` : value;
  };
  const cells = (summary: UsageSummary) => [
    formatUsd(summary.costUsd), String(summary.unpriced), String(summary.requests), String(summary.refusals),
    String(summary.inputTokens), String(summary.outputTokens), String(summary.cacheReadTokens), String(summary.reasoningTokens),
  ];
  const header = [...by, ...COLUMNS];
  const rows = summaries.map((summary) => [...by.map((dimension) => label(dimension, summary.group[dimension])), ...cells(summary)]);
  if (summaries.length > 1) rows.push([...by.map((_, index) => (index === 0 ? 'total' : '')), ...cells(total(summaries))]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  // Group labels read left-aligned, figures right-aligned so their digits line up.
  const line = (row: readonly string[]) => row.map((cell, column) => (column < by.length ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function total(summaries: readonly UsageSummary[]): UsageSummary {
  const sum: UsageSummary = { group: {}, requests: 0, refusals: 0, costUsd: 0, unpriced: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, reasoningTokens: 0 };
  for (const summary of summaries) {
    sum.requests += summary.requests;
    sum.refusals += summary.refusals;
    sum.costUsd += summary.costUsd;
    sum.unpriced += summary.unpriced;
    sum.inputTokens += summary.inputTokens;
    sum.outputTokens += summary.outputTokens;
    sum.cacheReadTokens += summary.cacheReadTokens;
    sum.reasoningTokens += summary.reasoningTokens;
  }
  return sum;
}
