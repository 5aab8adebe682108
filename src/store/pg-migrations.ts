import type { PoolClient } from 'pg';

/**
 * The PostgreSQL store's schema, in versions applied in order; `archestra_migrations` records
 * which ran. Times are ISO-8601 text (they sort as text, as in the SQLite store); `seq` keeps
 * insertion order (SQLite's rowid) for the newest-first lists and row-count retention.
 */
export const PG_MIGRATIONS: readonly string[] = [
  `CREATE TABLE interactions (
    seq BIGSERIAL NOT NULL,
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    proxy_id TEXT NOT NULL,
    provider TEXT,
    operation TEXT,
    model TEXT,
    response_model TEXT,
    agent_id TEXT,
    user_id TEXT,
    session_id TEXT,
    execution_id TEXT,
    status INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    error TEXT,
    stream BOOLEAN NOT NULL,
    duration_ms DOUBLE PRECISION NOT NULL,
    ttft_ms DOUBLE PRECISION,
    input_tokens BIGINT,
    output_tokens BIGINT,
    cache_read_tokens BIGINT,
    cache_write_tokens BIGINT,
    reasoning_tokens BIGINT,
    cost_usd DOUBLE PRECISION,
    request_body TEXT,
    response_body TEXT,
    auth_method TEXT,
    virtual_key_id TEXT,
    decisions TEXT,
    answer_id TEXT,
    answer_context TEXT,
    upstream_attempts INTEGER
  );
  CREATE INDEX interactions_created_at ON interactions (created_at, seq);
  CREATE INDEX interactions_seq ON interactions (seq);
  CREATE INDEX interactions_agent ON interactions (agent_id, created_at);
  CREATE INDEX interactions_session ON interactions (session_id, created_at);
  CREATE INDEX interactions_answer ON interactions (proxy_id, answer_id) WHERE answer_id IS NOT NULL;
  CREATE TABLE virtual_keys (
    seq BIGSERIAL NOT NULL,
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    key_prefix TEXT NOT NULL,
    providers TEXT,
    proxy_ids TEXT,
    sealed_secrets TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT,
    budgets TEXT
  );
  CREATE TABLE session_taint (
    proxy_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    tainted_at TEXT NOT NULL,
    PRIMARY KEY (proxy_id, session_id)
  );
  CREATE TABLE approvals (
    seq BIGSERIAL NOT NULL,
    id TEXT PRIMARY KEY,
    proxy_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    tool TEXT NOT NULL,
    arguments TEXT NOT NULL,
    reason TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT,
    note TEXT,
    used_at TEXT,
    interaction_id TEXT
  );
  CREATE INDEX approvals_scope ON approvals (proxy_id, scope, created_at);
  CREATE INDEX approvals_state ON approvals (state, proxy_id, created_at);
  CREATE TABLE rate_buckets (key TEXT PRIMARY KEY, full_at DOUBLE PRECISION NOT NULL);
  CREATE TABLE rate_holds (
    id TEXT NOT NULL,
    key TEXT NOT NULL,
    owner TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (id, key)
  );
  CREATE INDEX rate_holds_key ON rate_holds (key, expires_at);
  CREATE INDEX rate_holds_owner ON rate_holds (owner);
  CREATE TABLE budget_spend (key TEXT NOT NULL, slot DOUBLE PRECISION NOT NULL, amount DOUBLE PRECISION NOT NULL, PRIMARY KEY (key, slot));
  CREATE INDEX budget_spend_slot ON budget_spend (slot);
  CREATE TABLE budget_holds (
    id TEXT NOT NULL,
    key TEXT NOT NULL,
    amount DOUBLE PRECISION NOT NULL,
    owner TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (id, key)
  );
  CREATE INDEX budget_holds_key ON budget_holds (key, expires_at);
  CREATE INDEX budget_holds_owner ON budget_holds (owner);`,
  // Proxy profiles created at run time (the admin API), and the indexes of its interaction filters.
  `CREATE TABLE profiles (
    seq BIGSERIAL NOT NULL,
    id TEXT PRIMARY KEY,
    description TEXT,
    config TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX interactions_user ON interactions (user_id, created_at);
  CREATE INDEX interactions_execution ON interactions (execution_id, created_at);
  CREATE INDEX interactions_outcome ON interactions (outcome, created_at);`,
  // Model rules and tool-result compression: the model the client asked for (`model` is the one
  // used), and the prompt tokens TOON saved.
  `ALTER TABLE interactions ADD COLUMN requested_model TEXT, ADD COLUMN compressed_tokens_saved BIGINT;`,
  // A fallback attempt's row names the request it was made for (the model router).
  `ALTER TABLE interactions ADD COLUMN attempt_of TEXT;`,
];

/** Any constant: the advisory lock every host starting at once queues on while one migrates. */
const MIGRATION_LOCK = 0x617263_68657374n;

/**
 * Applies the versions not applied yet, in one transaction under a transaction-scoped advisory
 * lock: hosts starting at once wait for the first, then find nothing left to do.
 */
export async function migrate(client: PoolClient): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
    await client.query('CREATE TABLE IF NOT EXISTS archestra_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    const { rows } = await client.query<{ applied: number }>('SELECT coalesce(max(version), 0)::int AS applied FROM archestra_migrations');
    const applied = rows[0]?.applied ?? 0;
    if (applied > PG_MIGRATIONS.length) throw new Error(`The database's schema (version ${applied}) is newer than this proxy's (${PG_MIGRATIONS.length}): upgrade the proxy.`);
    for (let version = applied; version < PG_MIGRATIONS.length; version++) {
      await client.query(PG_MIGRATIONS[version] ?? '');
      await client.query('INSERT INTO archestra_migrations (version, applied_at) VALUES ($1, $2)', [version + 1, new Date().toISOString()]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
