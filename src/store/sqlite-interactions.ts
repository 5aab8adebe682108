import type Database from 'better-sqlite3';
import type { InteractionQuery } from '../types.js';
import { REFUSING_ACTIONS } from './interaction-filter.js';
import { REFUSAL_OUTCOMES } from './usage-summary.js';

/** The SQL of `isRefused` (interaction-filter.ts): a refusing outcome, or a decision that blocked or held something. */
const REFUSED_SQL = `(outcome IN (${REFUSAL_OUTCOMES.map((outcome) => `'${outcome}'`).join(', ')})
  OR EXISTS (SELECT 1 FROM json_each(interactions.decisions) WHERE json_extract(value, '$.action') IN (${REFUSING_ACTIONS.map((action) => `'${action}'`).join(', ')})))`;

const EQUALS = [
  ['id', 'id'], ['agentId', 'agent_id'], ['sessionId', 'session_id'], ['proxyId', 'proxy_id'], ['userId', 'user_id'], ['executionId', 'execution_id'],
  ['provider', 'provider'], ['model', 'model'], ['outcome', 'outcome'],
] as const satisfies readonly (readonly [keyof InteractionQuery, string])[];

interface Anchor {
  created_at: string;
  rowid: number;
}

/**
 * The SELECT of `listInteractions`: filters in SQL (the created_at, agent, session, user,
 * execution and outcome indexes), newest first by arrival then insertion (rowid). A page anchor
 * is the position (created_at, rowid) of the row with that id, so rows inserted meanwhile do not
 * shift pages. Null: nothing can match (a `before` anchor no longer stored).
 */
export function interactionSelect(db: Database.Database, query: InteractionQuery): { sql: string; params: Record<string, string | number> } | null {
  const where: string[] = [];
  const params: Record<string, string | number> = { limit: query.limit ?? 100 };
  for (const [field, column] of EQUALS) {
    const value = query[field];
    if (value !== undefined) {
      where.push(`${column} = @${field}`);
      params[field] = value;
    }
  }
  if (query.refused !== undefined) where.push(query.refused ? REFUSED_SQL : `NOT ${REFUSED_SQL}`);
  if (query.since !== undefined) { where.push('created_at >= @since'); params.since = query.since; }
  if (query.until !== undefined) { where.push('created_at < @until'); params.until = query.until; }
  const findAnchor = db.prepare('SELECT created_at, rowid FROM interactions WHERE id = ?');
  if (query.before !== undefined) {
    const anchor = findAnchor.get(query.before) as Anchor | undefined;
    if (!anchor) return null;
    where.push('created_at <= @beforeAt AND (created_at < @beforeAt OR rowid < @beforeRow)');
    Object.assign(params, { beforeAt: anchor.created_at, beforeRow: anchor.rowid });
  }
  let ascending = false;
  if (query.after !== undefined) {
    const anchor = findAnchor.get(query.after) as Anchor | undefined;
    if (anchor) {
      where.push('created_at >= @afterAt AND (created_at > @afterAt OR rowid > @afterRow)');
      Object.assign(params, { afterAt: anchor.created_at, afterRow: anchor.rowid });
      ascending = true;
    }
  }
  const order = ascending ? 'created_at ASC, rowid ASC' : 'created_at DESC, rowid DESC';
  const sql = `SELECT *, rowid AS row_seq FROM interactions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT @limit`;
  // The oldest rows after the anchor, listed newest first like every page.
  return { sql: ascending ? `SELECT * FROM (${sql}) ORDER BY created_at DESC, row_seq DESC` : sql, params };
}
