import { createRequire } from 'node:module';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { StoreUnavailableError } from '../errors.js';
import { migrate } from './pg-migrations.js';

/** Queries on the store's pool, each after the schema is ready. */
export interface PgRunner {
  query<R extends QueryResultRow = QueryResultRow>(sql: string, params?: readonly unknown[]): Promise<{ rows: R[]; rowCount: number }>;
  /** Runs `work` in one transaction on one connection (rolled back when it throws). */
  transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T>;
}

export interface PgConnection extends PgRunner {
  /** Settles once the schema is migrated; rejects with why it could not be (tried again on the next query). */
  ready: Promise<void>;
  /** Connections open and idle, and queries waiting for one. */
  poolState(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

/** Connections the pool opens at most, unless the URL says otherwise (`?pool_size=`). */
export const DEFAULT_POOL_SIZE = 10;
/** A connection not made within this fails the query (the database is down): nothing hangs. @unit ms */
const CONNECT_TIMEOUT_MS = 5_000;
/** A query not answered within this fails (a database that stopped answering). @unit ms */
const QUERY_TIMEOUT_MS = 15_000;

/**
 * A bounded pool on `url` (`postgres://` or `postgresql://`; `pool_size` is ours, the rest goes
 * to the driver). The driver is loaded here, on the first PostgreSQL store: a proxy on another
 * store never loads it. The pool is made at once; the migrations run in the background, and
 * every query waits for them.
 */
export function connectPg(url: string): PgConnection {
  const { connectionString, max } = poolSettings(url);
  const pg = createRequire(import.meta.url)('pg') as typeof import('pg');
  const pool: Pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: QUERY_TIMEOUT_MS, idleTimeoutMillis: 30_000 });
  // An idle connection the server drops (a restart, a failover) is an event, not a crash: the
  // pool replaces it, and the queries that need it fail and are judged as store failures.
  pool.on('error', () => undefined);

  let migrated: Promise<void> | null = null;
  const ensureReady = (): Promise<void> => {
    migrated ??= (async () => {
      const client = await checkOut(pool);
      try {
        await migrate(client);
      } finally {
        client.release();
      }
    })().catch((error: unknown) => {
      // Tried again by the next query: a database that comes up later is used then.
      migrated = null;
      throw unavailable(error);
    });
    return migrated;
  };
  const ready = ensureReady();
  // The caller hears of it through `ready`; unobserved, it must not end the process.
  ready.catch(() => undefined);

  return {
    ready,
    async query(sql, params) {
      await ensureReady();
      try {
        const result = await pool.query(sql, params as unknown[] | undefined);
        return { rows: result.rows, rowCount: result.rowCount ?? 0 };
      } catch (error) {
        throw unavailable(error);
      }
    },
    async transaction(work) {
      await ensureReady();
      const client = await checkOut(pool).catch((error: unknown) => {
        throw unavailable(error);
      });
      try {
        await client.query('BEGIN');
        const value = await work(client);
        await client.query('COMMIT');
        client.release();
        return value;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        // A connection that failed mid-transaction may be broken: the pool makes a new one.
        client.release(true);
        throw unavailable(error);
      }
    },
    poolState: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => pool.end(),
  };
}

/**
 * A connection of the pool's for a transaction. The pool stops listening for its errors while it
 * is out: a connection dropped between two statements must fail the transaction (its next
 * statement does), not the process with an unhandled error event.
 */
async function checkOut(pool: Pool): Promise<PoolClient> {
  const client = await pool.connect();
  const ignore = () => undefined;
  client.on('error', ignore);
  const release = client.release.bind(client);
  client.release = (destroy?: boolean | Error) => {
    client.removeListener('error', ignore);
    release(destroy);
  };
  return client;
}

/** Every failure of the database is the store's: the request it was for is refused (503), never let through. */
function unavailable(error: unknown): StoreUnavailableError {
  if (error instanceof StoreUnavailableError) return error;
  return new StoreUnavailableError(`The PostgreSQL store failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

/** A store setting fit to print: a database URL's password replaced by `***`. */
export function withoutPassword(store: string): string {
  if (!isPostgresUrl(store)) return store;
  try {
    const url = new URL(store);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unreadable URL)';
  }
}

/** True for a store setting that names a PostgreSQL database. */
export function isPostgresUrl(store: string): boolean {
  return /^postgres(ql)?:\/\//i.test(store);
}

function poolSettings(url: string): { connectionString: string; max: number } {
  const parsed = new URL(url);
  const size = parsed.searchParams.get('pool_size');
  parsed.searchParams.delete('pool_size');
  const max = size === null ? DEFAULT_POOL_SIZE : Number(size);
  if (!Number.isInteger(max) || max < 1) throw new Error(`pool_size must be a whole number of connections, at least 1 (got "${size}").`);
  return { connectionString: parsed.toString(), max };
}
