import type { AnswerContextRecord, InteractionQuery, InteractionRecord, Store, UsageQuery, UsageSummary } from '../types.js';
import { type PgRunner, connectPg } from './pg-client.js';
import { pgApprovals } from './pg-approvals.js';
import { pgBudgetCounters } from './pg-budget-counters.js';
import { pgInteractionSelect } from './pg-interactions.js';
import { pgProfiles } from './pg-profiles.js';
import { INTERACTION_COLUMNS, KEY_COLUMNS, type KeyRow, type Row, fromKeyRow, fromRow, pgKey, pgText, toKeyRow, toRow } from './pg-rows.js';
import { pgRateCounters } from './pg-rate-counters.js';
import { pgSummarizeUsage } from './pg-usage.js';
import { PRUNE_BATCH_ROWS, PRUNE_INTERVAL_MS, type Retention } from './retention.js';

export interface PgStoreOptions {
  /** Deletes audit rows older than `maxAgeDays` and beyond the newest `maxRows`, in batches, at start and every minute. */
  retention?: Retention;
}

/** A PostgreSQL store; `ready` settles once its schema is migrated. Every optional part of a `Store` is there. */
export type PgStore = Store & Required<Pick<Store, 'approvals' | 'rateCounters' | 'budgetCounters' | 'profiles' | 'markSessionTainted' | 'isSessionTainted' | 'findAnswerContext'>> & PgStoreExtras;

interface PgStoreExtras {
  readonly ready: Promise<void>;
  summarizeUsage(query: UsageQuery): Promise<UsageSummary[]>;
  /** Deletes what `retention` says to; resolves with the number of rows deleted. */
  applyRetention(): Promise<number>;
}

/** Rows per INSERT: well under PostgreSQL's 65535 parameters a statement. */
const ROWS_PER_INSERT = 1_000;
const DAY_MS = 86_400_000;

/**
 * A store in PostgreSQL, shared by every proxy that names the same database: audit rows, virtual
 * keys, session taint, read-back answer contexts, approvals, and the rate and budget counters
 * (atomic in the database, so hosts never race). Rows arrive in batches, each written with one
 * INSERT per thousand rows in one transaction; a row already stored under its id is replaced only
 * when it is a `started` row and the new one is terminal (as in the SQLite store).
 */
export function createPgStore(url: string, options: PgStoreOptions = {}): PgStore {
  const db = connectPg(url);
  const retention = options.retention;
  let pruning: Promise<number> | null = null;
  let closed = false;
  function applyRetention(): Promise<number> {
    if (!retention || closed) return Promise.resolve(0);
    pruning ??= prune(db, retention).finally(() => (pruning = null));
    return pruning;
  }
  const report = (error: unknown) => console.error('[archestra] audit retention failed; it is tried again in a minute:', error instanceof Error ? error.message : error);
  const retentionTimer = retention ? setInterval(() => applyRetention().catch(report), PRUNE_INTERVAL_MS).unref() : undefined;
  if (retention) db.ready.then(() => applyRetention(), () => 0).catch(report);

  return {
    ready: db.ready,
    takesStartedRows: true,
    approvals: pgApprovals(db),
    rateCounters: pgRateCounters(db),
    budgetCounters: pgBudgetCounters(db),
    profiles: pgProfiles(db),
    async saveInteractions(rows) {
      const unique = oneRowPerId(rows);
      if (unique.length === 0) return;
      await db.transaction(async (client) => {
        for (let start = 0; start < unique.length; start += ROWS_PER_INSERT) {
          const chunk = unique.slice(start, start + ROWS_PER_INSERT);
          await client.query(upsertSql(chunk.length), chunk.flatMap(columnValues));
        }
      });
    },
    async listInteractions(query: InteractionQuery = {}) {
      const select = await pgInteractionSelect(db, query);
      if (!select) return [];
      return (await db.query<Row>(select.sql, select.params)).rows.map(fromRow);
    },
    async saveVirtualKey(record) {
      const values = toKeyRow(record);
      await db.query(`INSERT INTO virtual_keys (${KEY_COLUMNS.join(', ')}) VALUES (${KEY_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`, KEY_COLUMNS.map((column) => values[column]));
    },
    async findVirtualKeyByHash(keyHash) {
      const { rows } = await db.query<KeyRow>('SELECT * FROM virtual_keys WHERE key_hash = $1', [keyHash]);
      return rows[0] && fromKeyRow(rows[0]);
    },
    async listVirtualKeys() {
      return (await db.query<KeyRow>('SELECT * FROM virtual_keys ORDER BY created_at DESC, seq DESC')).rows.map(fromKeyRow);
    },
    async revokeVirtualKey(id, revokedAt) {
      return (await db.query('UPDATE virtual_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2', [revokedAt, id])).rowCount > 0;
    },
    async markSessionTainted(proxyId, sessionId, reason) {
      await db.query('INSERT INTO session_taint (proxy_id, session_id, reason, tainted_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [pgKey(proxyId), pgKey(sessionId), pgText(reason), new Date().toISOString()]);
    },
    async isSessionTainted(proxyId, sessionId) {
      return (await db.query('SELECT 1 FROM session_taint WHERE proxy_id = $1 AND session_id = $2', [pgKey(proxyId), pgKey(sessionId)])).rows.length > 0;
    },
    async findAnswerContext(proxyId, answerId) {
      const { rows } = await db.query<{ answer_context: string }>('SELECT answer_context FROM interactions WHERE proxy_id = $1 AND answer_id = $2 AND answer_context IS NOT NULL ORDER BY seq DESC LIMIT 1', [pgText(proxyId), pgKey(answerId)]);
      return rows[0] ? (JSON.parse(rows[0].answer_context) as AnswerContextRecord) : undefined;
    },
    summarizeUsage: (query) => pgSummarizeUsage(db, query),
    applyRetention,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(retentionTimer);
      await pruning?.catch(() => 0);
      await db.close();
    },
  };
}

/**
 * One row per id, as the upsert would leave them written one by one: a terminal row wins over a
 * started one, and otherwise the first stays (one INSERT may not touch a row twice).
 */
function oneRowPerId(rows: readonly InteractionRecord[]): InteractionRecord[] {
  const byId = new Map<string, InteractionRecord>();
  for (const row of rows) {
    const kept = byId.get(row.id);
    if (!kept || (kept.outcome === 'started' && row.outcome !== 'started')) byId.set(row.id, row);
  }
  return [...byId.values()];
}

function columnValues(record: InteractionRecord): unknown[] {
  const row = toRow(record);
  return INTERACTION_COLUMNS.map((column) => row[column]);
}

function upsertSql(rowCount: number): string {
  const width = INTERACTION_COLUMNS.length;
  const values = Array.from({ length: rowCount }, (_, row) => `(${INTERACTION_COLUMNS.map((_, column) => `$${row * width + column + 1}`).join(', ')})`);
  const updates = INTERACTION_COLUMNS.filter((c) => c !== 'id').map((c) => `${c} = excluded.${c}`).join(', ');
  return `INSERT INTO interactions (${INTERACTION_COLUMNS.join(', ')}) VALUES ${values.join(', ')}
    ON CONFLICT (id) DO UPDATE SET ${updates} WHERE interactions.outcome = 'started' AND excluded.outcome <> 'started'`;
}

/** Retention's deletes, a batch at a time (rows being written meanwhile never wait long). */
async function prune(db: PgRunner, retention: Retention): Promise<number> {
  let deleted = 0;
  const drain = async (sql: string, param: string | number) => {
    for (;;) {
      const { rowCount } = await db.query(sql, [param, PRUNE_BATCH_ROWS]);
      deleted += rowCount;
      if (rowCount < PRUNE_BATCH_ROWS) return;
    }
  };
  if (retention.maxAgeDays !== undefined) {
    const cutoff = new Date(Date.now() - retention.maxAgeDays * DAY_MS).toISOString();
    await drain('DELETE FROM interactions WHERE seq IN (SELECT seq FROM interactions WHERE created_at < $1 ORDER BY created_at LIMIT $2)', cutoff);
  }
  if (retention.maxRows !== undefined) {
    // The newest row past the ones kept (sequence numbers have gaps: a conflicting insert uses one).
    const { rows } = await db.query<{ seq: string }>('SELECT seq::text AS seq FROM interactions ORDER BY seq DESC OFFSET $1 LIMIT 1', [retention.maxRows]);
    if (rows[0]) await drain('DELETE FROM interactions WHERE seq IN (SELECT seq FROM interactions WHERE seq <= $1 ORDER BY seq LIMIT $2)', rows[0].seq);
  }
  return deleted;
}
