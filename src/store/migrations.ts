/** Schema migrations, applied in order; `PRAGMA user_version` records how many ran. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE interactions (
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
    stream INTEGER NOT NULL,
    duration_ms REAL NOT NULL,
    ttft_ms REAL,
    input_tokens INTEGER,
    output_tokens INTEGER,
    request_body TEXT,
    response_body TEXT
  );
  CREATE INDEX interactions_created_at ON interactions (created_at);
  CREATE INDEX interactions_agent ON interactions (agent_id, created_at);
  CREATE INDEX interactions_session ON interactions (session_id, created_at);`,
  `CREATE TABLE virtual_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    key_prefix TEXT NOT NULL,
    providers TEXT,
    proxy_ids TEXT,
    sealed_secrets TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
  );
  ALTER TABLE interactions ADD COLUMN auth_method TEXT;
  ALTER TABLE interactions ADD COLUMN virtual_key_id TEXT;`,
  `CREATE TABLE session_taint (
    proxy_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    tainted_at TEXT NOT NULL,
    PRIMARY KEY (proxy_id, session_id)
  );
  ALTER TABLE interactions ADD COLUMN decisions TEXT;`,
  `CREATE TABLE refused_calls (
    proxy_id TEXT NOT NULL,
    answer_id TEXT NOT NULL,
    blocked TEXT NOT NULL,
    refused_at TEXT NOT NULL,
    PRIMARY KEY (proxy_id, answer_id)
  );`,
  // Read-back answers are judged in the context they were made in, which is kept with their row.
  `ALTER TABLE interactions ADD COLUMN answer_id TEXT;
  ALTER TABLE interactions ADD COLUMN answer_context TEXT;
  CREATE INDEX interactions_answer ON interactions (proxy_id, answer_id) WHERE answer_id IS NOT NULL;`,
  // How many requests the upstream got for one client request (retries: `upstream.retries`).
  `ALTER TABLE interactions ADD COLUMN upstream_attempts INTEGER;`,
  // Tool calls held for a person's decision; rows are kept after they are decided, as a record.
  `CREATE TABLE approvals (
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
  CREATE INDEX approvals_state ON approvals (state, proxy_id, created_at);`,
  // Rate limits (`limits.rate`): a token bucket is one number, when it is full again (a full one
  // has no row); a request held for a concurrency cap is one row per limit, with a lease its
  // process renews (a process that died gives its holds back when the lease runs out).
  `CREATE TABLE rate_buckets (key TEXT PRIMARY KEY, full_at REAL NOT NULL) WITHOUT ROWID;
  CREATE TABLE rate_holds (
    id TEXT NOT NULL,
    key TEXT NOT NULL,
    owner TEXT NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (id, key)
  ) WITHOUT ROWID;
  CREATE INDEX rate_holds_key ON rate_holds (key, expires_at);
  CREATE INDEX rate_holds_owner ON rate_holds (owner);`,
  // What each interaction cost (null: unknown), and the token kinds it is priced by.
  `ALTER TABLE interactions ADD COLUMN cache_read_tokens INTEGER;
  ALTER TABLE interactions ADD COLUMN cache_write_tokens INTEGER;
  ALTER TABLE interactions ADD COLUMN reasoning_tokens INTEGER;
  ALTER TABLE interactions ADD COLUMN cost_usd REAL;`,
  // Budgets (`limits.budgets`): spend per key and slot of time (a window sums its slots), and
  // each request's reservation, one row per budget, with a lease its process renews (a process
  // that died gives its reservations back when the lease runs out).
  `CREATE TABLE budget_spend (key TEXT NOT NULL, slot REAL NOT NULL, amount REAL NOT NULL, PRIMARY KEY (key, slot)) WITHOUT ROWID;
  CREATE INDEX budget_spend_slot ON budget_spend (slot);
  CREATE TABLE budget_holds (
    id TEXT NOT NULL,
    key TEXT NOT NULL,
    amount REAL NOT NULL,
    owner TEXT NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (id, key)
  ) WITHOUT ROWID;
  CREATE INDEX budget_holds_key ON budget_holds (key, expires_at);
  CREATE INDEX budget_holds_owner ON budget_holds (owner);`,
  // A virtual key's own budgets (`keys create --budget`), as JSON.
  `ALTER TABLE virtual_keys ADD COLUMN budgets TEXT;`,
  // Proxy profiles created at run time (the admin API), and the indexes of its interaction filters.
  `CREATE TABLE profiles (
    id TEXT PRIMARY KEY,
    description TEXT,
    config TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX interactions_user ON interactions (user_id, created_at);
  CREATE INDEX interactions_execution ON interactions (execution_id, created_at);
  CREATE INDEX interactions_outcome ON interactions (outcome, created_at);`,
];
