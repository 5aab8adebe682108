import { isPostgresUrl } from '../store/pg-client.js';
import { type PgStore, createPgStore } from '../store/pg-store.js';
import { type SqliteStore, createSqliteStore } from '../store/sqlite-store.js';

/** The store a CLI command works on: the server's PostgreSQL database (`postgres://...`) or its SQLite file. */
export async function openCliStore(path: string): Promise<SqliteStore | PgStore> {
  if (!isPostgresUrl(path)) return createSqliteStore(path, { writerThread: false });
  const store = createPgStore(path);
  try {
    await store.ready;
  } catch (error) {
    await store.close();
    throw new Error(`The PostgreSQL store could not be opened: ${error instanceof Error ? error.message : String(error)}`);
  }
  return store;
}
