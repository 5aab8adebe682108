import type Database from 'better-sqlite3';
import type { ApprovalDecisionResult, ApprovalQuery, ApprovalRecord, ApprovalState, ApprovalStore } from '../types.js';
import { decidedExpiry } from './approval-rules.js';

const COLUMNS = [
  'id', 'proxy_id', 'scope', 'key', 'tool', 'arguments', 'reason', 'rule_id', 'state', 'created_at', 'expires_at',
  'decided_at', 'decided_by', 'note', 'used_at', 'interaction_id',
] as const;

type Row = Record<(typeof COLUMNS)[number], string | null>;

/**
 * Approvals in the SQLite file, on the store's own connection (not the audit writer thread), so
 * every method answers synchronously: consuming an approval is one conditional UPDATE, atomic
 * across the processes sharing the file (the server and the CLI).
 */
export function sqliteApprovals(db: Database.Database): ApprovalStore {
  const insert = db.prepare(`INSERT INTO approvals (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`);
  // The newest `maxPending` pending ones of the proxy stay; the rest are expired by the bound.
  const bound = db.prepare(`UPDATE approvals SET state = 'expired', decided_at = @at, decided_by = 'limit'
    WHERE id IN (SELECT id FROM approvals WHERE state = 'pending' AND proxy_id = @proxyId ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET @maxPending)`);
  const find = db.prepare('SELECT * FROM approvals WHERE id = ?');
  const lapse = db.prepare(`UPDATE approvals SET state = 'expired' WHERE id = ? AND state = 'pending' AND expires_at <= ?`);
  const decide = db.prepare(`UPDATE approvals SET state = @state, decided_at = @at, decided_by = @by, note = @note, expires_at = @expiresAt WHERE id = @id AND state = 'pending'`);
  const consume = db.prepare(`UPDATE approvals SET state = 'used', used_at = ? WHERE id = ? AND state = 'approved' AND expires_at > ?`);
  const expire = db.prepare(`UPDATE approvals SET state = 'expired' WHERE state IN ('pending', 'approved') AND expires_at <= ?`);
  // Listing runs on every request (one scope's approvals): its few query shapes are prepared once.
  const lists = new Map<string, Database.Statement>();

  const create = db.transaction((record: ApprovalRecord, maxPending: number) => {
    insert.run(toRow(record));
    return bound.run({ at: record.createdAt, proxyId: record.proxyId, maxPending }).changes;
  });
  const decideOne = db.transaction((id: string, state: 'approved' | 'denied', by: string, note: string | null, at: string): ApprovalDecisionResult => {
    lapse.run(id, at);
    const row = find.get(id) as Row | undefined;
    if (!row) return { outcome: 'unknown' };
    if (row.state !== 'pending') return { outcome: 'conflict', approval: fromRow(row) };
    const expiresAt = decidedExpiry({ createdAt: String(row.created_at), expiresAt: String(row.expires_at) }, at);
    decide.run({ id, state, at, by, note, expiresAt });
    return { outcome: 'decided', approval: fromRow(find.get(id) as Row) };
  });

  return {
    createApproval: (record, maxPending) => create.immediate(record, maxPending),
    listApprovals(query: ApprovalQuery) {
      const where: string[] = [];
      const params: Record<string, string | number> = { limit: query.limit ?? 100 };
      if (query.proxyId !== undefined) { where.push('proxy_id = @proxyId'); params.proxyId = query.proxyId; }
      if (query.scope !== undefined) { where.push('scope = @scope'); params.scope = query.scope; }
      if (query.states !== undefined) where.push(`state IN (${query.states.map((state) => `'${checkedState(state)}'`).join(', ') || 'NULL'})`);
      if (query.liveAt !== undefined) { where.push(`state IN ('pending', 'approved', 'denied') AND expires_at > @liveAt`); params.liveAt = query.liveAt; }
      const sql = `SELECT * FROM approvals ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, rowid DESC LIMIT @limit`;
      let statement = lists.get(sql);
      if (!statement) lists.set(sql, (statement = db.prepare(sql)));
      return (statement.all(params) as Row[]).map(fromRow);
    },
    findApproval(id) {
      const row = find.get(id) as Row | undefined;
      return row && fromRow(row);
    },
    decideApproval: (id, decision) => decideOne.immediate(id, decision.state, decision.by, decision.note, decision.at),
    consumeApproval: (id, at) => consume.run(at, id, at).changes === 1,
    expireApprovals: (now) => expire.run(now).changes,
  };
}

const STATES: readonly ApprovalState[] = ['pending', 'approved', 'denied', 'used', 'expired'];

/** States go into the SQL text: only the known ones. */
function checkedState(state: ApprovalState): ApprovalState {
  if (!STATES.includes(state)) throw new Error(`Unknown approval state "${state}".`);
  return state;
}

function toRow(record: ApprovalRecord): Row {
  return {
    id: record.id, proxy_id: record.proxyId, scope: record.scope, key: record.key, tool: record.tool,
    arguments: record.arguments, reason: record.reason, rule_id: record.ruleId, state: record.state,
    created_at: record.createdAt, expires_at: record.expiresAt, decided_at: record.decidedAt, decided_by: record.decidedBy,
    note: record.note, used_at: record.usedAt, interaction_id: record.interactionId,
  };
}

function fromRow(row: Row): ApprovalRecord {
  return {
    id: String(row.id), proxyId: String(row.proxy_id), scope: String(row.scope), key: String(row.key), tool: String(row.tool),
    arguments: String(row.arguments), reason: String(row.reason), ruleId: String(row.rule_id), state: row.state as ApprovalState,
    createdAt: String(row.created_at), expiresAt: String(row.expires_at), decidedAt: row.decided_at, decidedBy: row.decided_by,
    note: row.note, usedAt: row.used_at, interactionId: row.interaction_id,
  };
}
