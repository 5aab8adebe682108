import type { InteractionRecord, UsageDimension, UsageQuery, UsageSummary } from '../types.js';

/** Outcomes that are the proxy's refusals (a policy, a rate limit, a budget), not the upstream's failures. */
export const REFUSAL_OUTCOMES = ['rejected', 'rate_limited', 'over_budget'] as const;

/** A row's value for a dimension; the SQLite store computes the same in SQL (sqlite-usage.ts). */
function dimensionValue(row: InteractionRecord, dimension: UsageDimension): string | null {
  switch (dimension) {
    case 'agent': return row.agentId;
    case 'key': return row.virtualKeyId;
    case 'model': return row.model;
    case 'day': return row.createdAt.slice(0, 10);
    case 'user': return row.userId;
    case 'session': return row.sessionId;
    case 'provider': return row.provider;
  }
}

/** Usage was reported for the row: with no cost, its cost is unknown (not 0). */
export function hasUsage(row: Pick<InteractionRecord, 'inputTokens' | 'outputTokens'>): boolean {
  return row.inputTokens !== null || row.outputTokens !== null;
}

/** Sums rows into groups, as `Store.summarizeUsage` answers: for stores that hold their rows in memory. */
export function summarizeRows(rows: Iterable<InteractionRecord>, query: UsageQuery): UsageSummary[] {
  const groups = new Map<string, UsageSummary>();
  for (const row of rows) {
    if (query.since !== undefined && row.createdAt < query.since) continue;
    if (query.until !== undefined && row.createdAt >= query.until) continue;
    const values = query.by.map((dimension) => dimensionValue(row, dimension));
    const id = JSON.stringify(values);
    let summary = groups.get(id);
    if (!summary) {
      summary = { group: Object.fromEntries(query.by.map((dimension, index) => [dimension, values[index]!])), requests: 0, refusals: 0, costUsd: 0, unpriced: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, reasoningTokens: 0 };
      groups.set(id, summary);
    }
    summary.requests++;
    if ((REFUSAL_OUTCOMES as readonly string[]).includes(row.outcome)) summary.refusals++;
    if (row.costUsd !== null && row.costUsd !== undefined) summary.costUsd += row.costUsd;
    else if (hasUsage(row)) summary.unpriced++;
    summary.inputTokens += row.inputTokens ?? 0;
    summary.outputTokens += row.outputTokens ?? 0;
    summary.cacheReadTokens += row.cacheReadTokens ?? 0;
    summary.reasoningTokens += row.reasoningTokens ?? 0;
  }
  return sortBySpend([...groups.values()]);
}

/** Most spend first; then most requests; then by group, so the order is stable. */
export function sortBySpend(summaries: UsageSummary[]): UsageSummary[] {
  return summaries.sort((a, b) => b.costUsd - a.costUsd || b.requests - a.requests || (JSON.stringify(a.group) < JSON.stringify(b.group) ? -1 : 1));
}
