import type { UsageDimension, UsageQuery, UsageSummary } from '../types.js';
import type { PgRunner } from './pg-client.js';
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

/** Usage summed per group in one aggregate query: the rows never leave the database. */
export async function pgSummarizeUsage(db: PgRunner, query: UsageQuery): Promise<UsageSummary[]> {
  const groups = query.by.map((dimension, index) => `${DIMENSION_SQL[dimension]} AS g${index}`);
  const where: string[] = [];
  const params: string[] = [];
  if (query.since !== undefined) { params.push(query.since); where.push(`created_at >= $${params.length}`); }
  if (query.until !== undefined) { params.push(query.until); where.push(`created_at < $${params.length}`); }
  // Sums as float8 and counts as int: numbers, where the driver reads BIGINT and NUMERIC as text.
  const sql = `SELECT ${[...groups, 'count(*)::int AS requests',
    `count(*) FILTER (WHERE outcome IN (${REFUSAL_OUTCOMES.map((outcome) => `'${outcome}'`).join(', ')}))::int AS refusals`,
    'sum(cost_usd)::float8 AS cost_usd',
    'count(*) FILTER (WHERE cost_usd IS NULL AND (input_tokens IS NOT NULL OR output_tokens IS NOT NULL))::int AS unpriced',
    'sum(input_tokens)::float8 AS input_tokens', 'sum(output_tokens)::float8 AS output_tokens',
    'sum(cache_read_tokens)::float8 AS cache_read_tokens', 'sum(reasoning_tokens)::float8 AS reasoning_tokens'].join(', ')}
    FROM interactions ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ${query.by.length ? `GROUP BY ${query.by.map((_, index) => `g${index}`).join(', ')}` : ''}`;
  const { rows } = await db.query<SummaryRow>(sql, params);
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
