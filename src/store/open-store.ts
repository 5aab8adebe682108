import type { Store } from '../types.js';
import { type MemoryStoreOptions, createMemoryStore } from './memory-store.js';
import type { Retention } from './retention.js';
import { createSqliteStore } from './sqlite-store.js';

export interface OpenStoreOptions {
  /** The window `:memory:` keeps. */
  memory: MemoryStoreOptions;
  /** A file store's retention; none keeps every row. */
  retention?: Retention | undefined;
}

/** The store a configuration names: `:memory:` is the bounded in-memory window, anything else a SQLite file. */
export function openStore(path: string, options: OpenStoreOptions): Store {
  if (path === ':memory:') return createMemoryStore(options.memory);
  return createSqliteStore(path, options.retention ? { retention: options.retention } : {});
}
