import type { Store } from '../types.js';
import { type MemoryStoreOptions, createMemoryStore } from './memory-store.js';
import { isPostgresUrl } from './pg-client.js';
import { createPgStore } from './pg-store.js';
import type { Retention } from './retention.js';
import { createSqliteStore } from './sqlite-store.js';

export interface OpenStoreOptions {
  /** The window `:memory:` keeps. */
  memory: MemoryStoreOptions;
  /** A file or database store's retention; none keeps every row. */
  retention?: Retention | undefined;
}

/**
 * The store a configuration names: `:memory:` is the bounded in-memory window, a `postgres://`
 * URL a PostgreSQL database, anything else a SQLite file. Each driver is loaded only when its
 * store is opened.
 */
export function openStore(path: string, options: OpenStoreOptions): Store {
  if (path === ':memory:') return createMemoryStore(options.memory);
  const retention = options.retention ? { retention: options.retention } : {};
  if (isPostgresUrl(path)) return createPgStore(path, retention);
  return createSqliteStore(path, retention);
}
