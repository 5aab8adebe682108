import type { InteractionQuery } from '../types.js';
import { REFUSING_ACTIONS } from './interaction-filter.js';
import type { PgRunner } from './pg-client.js';
import { pgText } from './pg-rows.js';
import { REFUSAL_OUTCOMES } from './usage-summary.js';

/** The SQL of `isRefused` (interaction-filter.ts): a refusing outcome, or a decision that blocked or held something. */
const REFUSED_SQL = `(outcome IN (${REFUSAL_OUTCOMES.map((outcome) => `'${outcome}'`).join(', ')})
  OR EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(interactions.decisions, '[]')::jsonb) AS d WHERE d->>'action' IN (${REFUSING_ACTIONS.map((action) => `'${action}'`).join(', ')})))`;

const EQUALS = [
  ['id', 'id'], ['agentId', 'agent_id'], ['sessionId', 'session_id'], ['proxyId', 'proxy_id'], ['userId', 'user_id'], ['executionId', 'execution_id'],
  ['provider', 'provider'], ['model', 'model'], ['outcome', 'outcome'],
] as const satisfies readonly (readonly [keyof InteractionQuery, string])[];

/**
 * The SELECT of `listInteractions` in PostgreSQL, as the SQLite store's: filters in SQL, newest
 * first by arrival then insertion (`seq`). A page anchor is the position (created_at, seq) of the
 * row with that id, so rows inserted meanwhile do not shift pages. Null: nothing can match (a
 * `before` anchor no longer stored).
 */
export async function pgInteractionSelect(db: PgRunner, query: InteractionQuery): Promise<{ sql: string; params: unknown[] } | null> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  for (const [field, column] of EQUALS) {
    const value = query[field];
    if (value !== undefined) where.push(`${column} = ${param(pgText(value))}`);
  }
  if (query.refused !== undefined) where.push(query.refused ? REFUSED_SQL : `NOT ${REFUSED_SQL}`);
  if (query.since !== undefined) where.push(`created_at >= ${param(query.since)}`);
  if (query.until !== undefined) where.push(`created_at < ${param(query.until)}`);
  const anchorOf = async (id: string) => (await db.query<{ created_at: string; seq: string }>('SELECT created_at, seq::text AS seq FROM interactions WHERE id = $1', [pgText(id)])).rows[0];
  if (query.before !== undefined) {
    const anchor = await anchorOf(query.before);
    if (!anchor) return null;
    const at = param(anchor.created_at);
    where.push(`created_at <= ${at} AND (created_at < ${at} OR seq < ${param(anchor.seq)}::bigint)`);
  }
  let ascending = false;
  if (query.after !== undefined) {
    const anchor = await anchorOf(query.after);
    if (anchor) {
      const at = param(anchor.created_at);
      where.push(`created_at >= ${at} AND (created_at > ${at} OR seq > ${param(anchor.seq)}::bigint)`);
      ascending = true;
    }
  }
  const order = ascending ? 'created_at ASC, seq ASC' : 'created_at DESC, seq DESC';
  const sql = `SELECT * FROM interactions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ${param(query.limit ?? 100)}`;
  // The oldest rows after the anchor, listed newest first like every page.
  return { sql: ascending ? `SELECT * FROM (${sql}) AS page ORDER BY created_at DESC, seq DESC` : sql, params };
}
