import type { ApprovalDecisionResult, ApprovalQuery, ApprovalRecord, ApprovalState, ApprovalStore } from '../types.js';
import { decidedExpiry } from './approval-rules.js';
import type { PgRunner } from './pg-client.js';

const COLUMNS = [
  'id', 'proxy_id', 'scope', 'key', 'tool', 'arguments', 'reason', 'rule_id', 'state', 'created_at', 'expires_at',
  'decided_at', 'decided_by', 'note', 'used_at', 'interaction_id',
] as const;

type Row = Record<(typeof COLUMNS)[number], string | null>;

const STATES: readonly ApprovalState[] = ['pending', 'approved', 'denied', 'used', 'expired'];

/**
 * Approvals in PostgreSQL, shared by every host: consuming one is one conditional UPDATE (only one
 * host's call uses an approval), deciding one locks its row, and the pending bound of a proxy is
 * applied under a lock of that proxy's.
 */
export function pgApprovals(db: PgRunner): ApprovalStore {
  return {
    createApproval: (record, maxPending) =>
      db.transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`approvals:${record.proxyId}`]);
        const row = toRow(record);
        await client.query(`INSERT INTO approvals (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`, COLUMNS.map((column) => row[column]));
        // The newest `maxPending` pending ones of the proxy stay; the rest are expired by the bound.
        const bound = await client.query(`UPDATE approvals SET state = 'expired', decided_at = $1, decided_by = 'limit'
          WHERE id IN (SELECT id FROM approvals WHERE state = 'pending' AND proxy_id = $2 ORDER BY created_at DESC, seq DESC OFFSET $3)`, [record.createdAt, record.proxyId, maxPending]);
        return bound.rowCount ?? 0;
      }),
    async listApprovals(query: ApprovalQuery) {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (condition: (n: string) => string, value: unknown) => {
        params.push(value);
        where.push(condition(`$${params.length}`));
      };
      if (query.proxyId !== undefined) add((n) => `proxy_id = ${n}`, query.proxyId);
      if (query.scope !== undefined) add((n) => `scope = ${n}`, query.scope);
      if (query.states !== undefined) add((n) => `state = ANY(${n}::text[])`, query.states.filter((state) => STATES.includes(state)));
      if (query.liveAt !== undefined) add((n) => `state IN ('pending', 'approved', 'denied') AND expires_at > ${n}`, query.liveAt);
      params.push(query.limit ?? 100);
      const sql = `SELECT * FROM approvals ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, seq DESC LIMIT $${params.length}`;
      return (await db.query<Row>(sql, params)).rows.map(fromRow);
    },
    async findApproval(id) {
      const { rows } = await db.query<Row>('SELECT * FROM approvals WHERE id = $1', [id]);
      return rows[0] && fromRow(rows[0]);
    },
    decideApproval: (id, { state, by, note, at }) =>
      db.transaction(async (client): Promise<ApprovalDecisionResult> => {
        const { rows } = await client.query<Row>('SELECT * FROM approvals WHERE id = $1 FOR UPDATE', [id]);
        const row = rows[0];
        if (!row) return { outcome: 'unknown' };
        // A pending approval past its time lapsed: too late to decide it.
        if (row.state === 'pending' && String(row.expires_at) <= at) {
          const lapsed = await client.query<Row>(`UPDATE approvals SET state = 'expired' WHERE id = $1 RETURNING *`, [id]);
          return { outcome: 'conflict', approval: fromRow(lapsed.rows[0] ?? row) };
        }
        if (row.state !== 'pending') return { outcome: 'conflict', approval: fromRow(row) };
        const expiresAt = decidedExpiry({ createdAt: String(row.created_at), expiresAt: String(row.expires_at) }, at);
        const decided = await client.query<Row>('UPDATE approvals SET state = $2, decided_at = $3, decided_by = $4, note = $5, expires_at = $6 WHERE id = $1 RETURNING *', [id, state, at, by, note, expiresAt]);
        return { outcome: 'decided', approval: fromRow(decided.rows[0] ?? row) };
      }),
    async consumeApproval(id, at) {
      return (await db.query(`UPDATE approvals SET state = 'used', used_at = $1 WHERE id = $2 AND state = 'approved' AND expires_at > $1`, [at, id])).rowCount === 1;
    },
    async expireApprovals(now) {
      return (await db.query(`UPDATE approvals SET state = 'expired' WHERE state IN ('pending', 'approved') AND expires_at <= $1`, [now])).rowCount;
    },
  };
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
