import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import type { AnswerContextRecord, InteractionQuery, InteractionRecord, KeyBudget, ProfileStore, Store, UsageQuery, UsageSummary, VirtualKeyRecord } from '../types.js';
import { MIGRATIONS } from './migrations.js';
import { sqliteApprovals } from './sqlite-approvals.js';
import { sqliteBudgetCounters } from './sqlite-budget-counters.js';
import { sqliteRateCounters } from './sqlite-rate-counters.js';
import { sqliteSummarizeUsage } from './sqlite-usage.js';
import { interactionSelect } from './sqlite-interactions.js';
import { sqliteProfiles } from './sqlite-profiles.js';
import { PRUNE_INTERVAL_MS, type Retention, pruneSteps, runPruneSteps } from './retention.js';
import { createSqliteWriter } from './sqlite-writer.js';

const COLUMNS = [
  'id', 'created_at', 'proxy_id', 'provider', 'operation', 'model', 'response_model', 'agent_id', 'user_id',
  'session_id', 'execution_id', 'status', 'outcome', 'error', 'stream', 'duration_ms', 'ttft_ms',
  'input_tokens', 'output_tokens', 'request_body', 'response_body', 'auth_method', 'virtual_key_id', 'decisions',
  'answer_id', 'answer_context', 'upstream_attempts', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens', 'cost_usd',
] as const;

const KEY_COLUMNS = ['id', 'name', 'key_hash', 'key_prefix', 'providers', 'proxy_ids', 'sealed_secrets', 'created_at', 'expires_at', 'revoked_at', 'budgets'] as const;

type KeyRow = Record<(typeof KEY_COLUMNS)[number], string | null>;

type Row = Record<(typeof COLUMNS)[number], string | number | null>;

export interface SqliteStoreOptions {
  /**
   * `FULL` makes every committed row survive power loss; `NORMAL` survives a process crash only.
   * @default 'FULL'
   */
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * Commit audit rows from a writer thread (file databases only), so their fsyncs never block
   * the event loop. @default true
   */
  writerThread?: boolean;
  /**
   * Deletes audit rows older than `maxAgeDays` and beyond the newest `maxRows`, in the
   * background (on the writer thread, in small batches) when the store opens and every minute.
   * Keeps every row when absent.
   */
  retention?: Retention;
  /**
   * How long a write waits for another connection's lock on the file before it fails with
   * SQLITE_BUSY (then `audit.onFailure` applies). @default 5000 @unit ms
   */
  busyTimeoutMs?: number;
}

/** A SQLite store; `applyRetention` runs the configured retention now. */
export interface SqliteStore extends Store {
  saveInteractionsSync(rows: readonly InteractionRecord[]): void;
  summarizeUsage(query: UsageQuery): UsageSummary[];
  profiles: ProfileStore;
  /** Deletes what `retention` says to; resolves with the number of rows deleted. */
  applyRetention(): Promise<number>;
}

/**
 * A file store: better-sqlite3 in WAL mode with prepared statements. Rows arrive in batches,
 * each written in one transaction. Inserting a row whose id is already stored does nothing, so
 * a batch written twice (retried, or written again at exit) leaves one row each; a request's
 * terminal row replaces its `started` row, never the other way round.
 */
export function createSqliteStore(path = ':memory:', options: SqliteStoreOptions = {}): SqliteStore {
  const db = openDatabase(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
  db.pragma(`busy_timeout = ${Math.floor(busyTimeoutMs)}`);
  migrate(db);
  // Rate counters commit on every request: on a connection of their own that does not fsync each
  // commit (WAL with NORMAL). An in-memory database has one connection only.
  const rateDb = path === ':memory:' ? db : openDatabase(path);
  if (rateDb !== db) {
    rateDb.pragma('synchronous = NORMAL');
    rateDb.pragma(`busy_timeout = ${Math.floor(busyTimeoutMs)}`);
  }

  const insertSql = upsertSql();
  const insert = db.prepare(insertSql);
  const insertAll = db.transaction((rows: readonly InteractionRecord[]) => {
    for (const row of rows) insert.run(toRow(row));
  });
  // A file's audit rows are committed by a writer thread: its fsyncs never stall requests.
  // An in-memory database lives in this thread only, and has no fsync to avoid.
  const writer = path === ':memory:' || options.writerThread === false ? null : createSqliteWriter(path, insertSql, options.synchronous ?? 'FULL', busyTimeoutMs);

  const insertKey = db.prepare(`INSERT INTO virtual_keys (${KEY_COLUMNS.join(', ')}) VALUES (${KEY_COLUMNS.map((c) => `@${c}`).join(', ')})`);
  const findKey = db.prepare('SELECT * FROM virtual_keys WHERE key_hash = ?');
  const listKeys = db.prepare('SELECT * FROM virtual_keys ORDER BY created_at DESC, rowid DESC');
  const revokeKey = db.prepare('UPDATE virtual_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?');
  const taint = db.prepare('INSERT OR IGNORE INTO session_taint (proxy_id, session_id, reason, tainted_at) VALUES (?, ?, ?, ?)');
  const findTaint = db.prepare('SELECT 1 FROM session_taint WHERE proxy_id = ? AND session_id = ?');
  const findAnswer = db.prepare('SELECT answer_context FROM interactions WHERE proxy_id = ? AND answer_id = ? AND answer_context IS NOT NULL ORDER BY rowid DESC LIMIT 1');

  const retention = options.retention;
  let pruning: Promise<number> | null = null;
  function applyRetention(): Promise<number> {
    if (!retention || !db.open) return Promise.resolve(0);
    pruning ??= (async () => {
      try {
        // Never synchronously: `pruning` must be set before this run can end.
        await null;
        const steps = pruneSteps(db, retention);
        if (steps.length === 0) return 0;
        return await (writer ? writer.prune(steps) : runPruneSteps(db, steps));
      } finally {
        pruning = null;
      }
    })();
    return pruning;
  }
  const report = (error: unknown) => console.error('[archestra] audit retention failed; it is tried again in a minute:', error instanceof Error ? error.message : error);
  // Unreferenced: retention never keeps a process alive.
  const retentionTimer = retention ? setInterval(() => applyRetention().catch(report), PRUNE_INTERVAL_MS).unref() : undefined;
  if (retention) setImmediate(() => applyRetention().catch(report)).unref();

  return {
    takesStartedRows: true,
    approvals: sqliteApprovals(db),
    rateCounters: sqliteRateCounters(rateDb),
    budgetCounters: sqliteBudgetCounters(rateDb),
    profiles: sqliteProfiles(db),
    saveVirtualKey(record) {
      insertKey.run(toKeyRow(record));
    },
    findVirtualKeyByHash(keyHash) {
      const row = findKey.get(keyHash) as KeyRow | undefined;
      return row && fromKeyRow(row);
    },
    listVirtualKeys() {
      return (listKeys.all() as KeyRow[]).map(fromKeyRow);
    },
    revokeVirtualKey(id, revokedAt) {
      return revokeKey.run(revokedAt, id).changes > 0;
    },
    markSessionTainted(proxyId, sessionId, reason) {
      taint.run(proxyId, sessionId, reason, new Date().toISOString());
    },
    isSessionTainted(proxyId, sessionId) {
      return findTaint.get(proxyId, sessionId) !== undefined;
    },
    findAnswerContext(proxyId, answerId) {
      const row = findAnswer.get(proxyId, answerId) as { answer_context: string } | undefined;
      return row ? (JSON.parse(row.answer_context) as AnswerContextRecord) : undefined;
    },
    saveInteractions(rows) {
      if (rows.length === 0) return;
      if (writer) return writer.write(rows.map(toRow));
      insertAll(rows);
    },
    saveInteractionsSync(rows) {
      if (rows.length > 0 && db.open) insertAll(rows);
    },
    applyRetention,
    async listInteractions(query: InteractionQuery = {}) {
      const select = interactionSelect(db, query);
      return select ? (db.prepare(select.sql).all(select.params) as Row[]).map(fromRow) : [];
    },
    summarizeUsage(query) {
      return sqliteSummarizeUsage(db, query);
    },
    async close() {
      if (!db.open) return;
      // A retention run in progress stops at its next batch.
      clearInterval(retentionTimer);
      await writer?.close();
      if (rateDb !== db) rateDb.close();
      if (path !== ':memory:') db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    },
  };
}

/** The native driver is loaded on the first file store: a proxy on the in-memory store never loads it. */
function openDatabase(path: string): Database.Database {
  const Driver = createRequire(import.meta.url)('better-sqlite3') as typeof Database;
  return new Driver(path);
}

function migrate(db: Database.Database): void {
  // IMMEDIATE takes the write lock before reading the version, so two processes opening a new
  // file at once do not both create the tables.
  db.transaction(() => {
    const applied = db.pragma('user_version', { simple: true }) as number;
    for (let version = applied; version < MIGRATIONS.length; version++) db.exec(MIGRATIONS[version] ?? '');
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

/**
 * Inserts a row; one already stored under its id is replaced only when it is a `started` row and
 * the new one is terminal. So a retried or repeated write changes nothing, and a started row
 * written late (after its terminal row) never hides how the request ended.
 */
function upsertSql(): string {
  const updates = COLUMNS.filter((c) => c !== 'id').map((c) => `${c} = excluded.${c}`).join(', ');
  return `INSERT INTO interactions (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})
    ON CONFLICT (id) DO UPDATE SET ${updates} WHERE interactions.outcome = 'started' AND excluded.outcome <> 'started'`;
}

function toRow(record: InteractionRecord): Row {
  return {
    id: record.id, created_at: record.createdAt, proxy_id: record.proxyId, provider: record.provider,
    operation: record.operation, model: record.model, response_model: record.responseModel,
    agent_id: record.agentId, user_id: record.userId, session_id: record.sessionId, execution_id: record.executionId,
    status: record.status, outcome: record.outcome, error: record.error, stream: record.stream ? 1 : 0,
    duration_ms: record.durationMs, ttft_ms: record.timeToFirstTokenMs, input_tokens: record.inputTokens,
    output_tokens: record.outputTokens, request_body: record.requestBody, response_body: record.responseBody,
    auth_method: record.authMethod, virtual_key_id: record.virtualKeyId,
    decisions: record.decisions && JSON.stringify(record.decisions),
    answer_id: record.answerId ?? null, answer_context: record.answerContext ? JSON.stringify(record.answerContext) : null,
    upstream_attempts: record.upstreamAttempts ?? null,
    cache_read_tokens: record.cacheReadTokens ?? null, cache_write_tokens: record.cacheWriteTokens ?? null,
    reasoning_tokens: record.reasoningTokens ?? null, cost_usd: record.costUsd ?? null,
  };
}

function toKeyRow(record: VirtualKeyRecord): KeyRow {
  return {
    id: record.id, name: record.name, key_hash: record.keyHash, key_prefix: record.keyPrefix,
    providers: record.providers && JSON.stringify(record.providers), proxy_ids: record.proxyIds && JSON.stringify(record.proxyIds),
    sealed_secrets: record.sealedSecrets, created_at: record.createdAt, expires_at: record.expiresAt, revoked_at: record.revokedAt,
    budgets: record.budgets && record.budgets.length > 0 ? JSON.stringify(record.budgets) : null,
  };
}

function fromKeyRow(row: KeyRow): VirtualKeyRecord {
  return {
    id: String(row.id), name: String(row.name), keyHash: String(row.key_hash), keyPrefix: String(row.key_prefix),
    providers: row.providers === null ? null : (JSON.parse(row.providers) as VirtualKeyRecord['providers']),
    proxyIds: row.proxy_ids === null ? null : (JSON.parse(row.proxy_ids) as string[]),
    sealedSecrets: row.sealed_secrets, createdAt: String(row.created_at), expiresAt: row.expires_at, revokedAt: row.revoked_at,
    budgets: row.budgets === null ? null : (JSON.parse(row.budgets) as KeyBudget[]),
  };
}

function fromRow(row: Row): InteractionRecord {
  return {
    id: String(row.id), createdAt: String(row.created_at), proxyId: String(row.proxy_id),
    provider: row.provider as InteractionRecord['provider'], operation: row.operation as string | null,
    model: row.model as string | null, responseModel: row.response_model as string | null,
    agentId: row.agent_id as string | null, userId: row.user_id as string | null,
    sessionId: row.session_id as string | null, executionId: row.execution_id as string | null,
    status: Number(row.status), outcome: row.outcome as InteractionRecord['outcome'], error: row.error as string | null,
    stream: row.stream === 1, durationMs: Number(row.duration_ms), timeToFirstTokenMs: row.ttft_ms as number | null,
    inputTokens: row.input_tokens as number | null, outputTokens: row.output_tokens as number | null,
    requestBody: row.request_body as string | null, responseBody: row.response_body as string | null,
    authMethod: row.auth_method as string | null, virtualKeyId: row.virtual_key_id as string | null,
    decisions: row.decisions === null ? null : (JSON.parse(String(row.decisions)) as InteractionRecord['decisions']),
    answerId: row.answer_id as string | null,
    answerContext: row.answer_context === null ? null : (JSON.parse(String(row.answer_context)) as AnswerContextRecord),
    upstreamAttempts: row.upstream_attempts as number | null,
    cacheReadTokens: row.cache_read_tokens as number | null, cacheWriteTokens: row.cache_write_tokens as number | null,
    reasoningTokens: row.reasoning_tokens as number | null, costUsd: row.cost_usd as number | null,
  };
}
