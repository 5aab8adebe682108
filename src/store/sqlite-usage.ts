import type Database from 'better-sqlite3';
import type { UsageDimension, UsageQuery, UsageSummary } from '../types.js';
import { REFUSAL_OUTCOMES, sortBySpend } from './usage-summary.js';

/** Each dimension's SQL expression: the same values `summarizeRows` takes from a record. */
const DIMENSION_SQL: Record<UsageDimension, string> = {
  agent: 'agent_id',
  key: 'virtual_key_id',
  model: 'model',
  day: 'substr(created_at, 1, 10)',
  user: 'user_id',
  session: 'session_id',
  provider: 'provider',
};

interface SummaryRow {
  requests: number;
  refusals: number;
  cost_usd: number | null;
  unpriced: number;
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  reasoning_tokens: number | null;
  [group: `g${number}`]: string | null;
}

/**
 * Usage summed per group in one aggregate query: the rows never leave SQLite. The window uses the
 * `created_at` index (ISO-8601 times sort as text).
 */
export function sqliteSummarizeUsage(db: Database.Database, query: UsageQuery): UsageSummary[] {
  const groups = query.by.map((dimension, index) => `${DIMENSION_SQL[dimension]} AS g${index}`);
  const where: string[] = [];
  const params: Record<string, string> = {};
  if (query.since !== undefined) { where.push('created_at >= @since'); params.since = query.since; }
  if (query.until !== undefined) { where.push('created_at < @until'); params.until = query.until; }
  const sql = `SELECT ${[...groups, `COUNT(*) AS requests`,
    `SUM(outcome IN (${REFUSAL_OUTCOMES.map((outcome) => `'${outcome}'`).join(', ')})) AS refusals`,
    'SUM(cost_usd) AS cost_usd',
    'SUM(cost_usd IS NULL AND (input_tokens IS NOT NULL OR output_tokens IS NOT NULL)) AS unpriced',
    'SUM(input_tokens) AS input_tokens', 'SUM(output_tokens) AS output_tokens',
    'SUM(cache_read_tokens) AS cache_read_tokens', 'SUM(reasoning_tokens) AS reasoning_tokens'].join(', ')}
    FROM interactions ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ${query.by.length ? `GROUP BY ${query.by.map((_, index) => `g${index}`).join(', ')}` : ''}`;
  const rows = db.prepare(sql).all(params) as SummaryRow[];
  return sortBySpend(rows.filter((row) => row.requests > 0).map((row) => ({
    group: Object.fromEntries(query.by.map((dimension, index) => [dimension, row[`g${index}`] ?? null])),
    requests: row.requests,
    refusals: row.refusals ?? 0,
    costUsd: row.cost_usd ?? 0,
    unpriced: row.unpriced ?? 0,
    inputTokens: row.input_tokens ?? 0,
    outputTokens: row.output_tokens ?? 0,
    cacheReadTokens: row.cache_read_tokens ?? 0,
    reasoningTokens: row.reasoning_tokens ?? 0,
  })));
}
