import { existsSync } from 'node:fs';
import { loadConfig } from '../config/load-config.js';
import { ConfigError } from '../errors.js';
import { isPostgresUrl } from '../store/pg-client.js';

/**
 * The store file a command reads: `--db`, else ARCHESTRA_DB, else the config's `store`, else the
 * server's default, exactly as `serve` picks it. A server on ":memory:" keeps its rows in its own
 * process, and a mistyped path must not pass for an empty store (opening it would create it).
 */
export async function existingStoreFile(command: string, flags: { config?: string | undefined; db?: string | undefined }): Promise<string> {
  const loaded = await loadConfig({ ...(flags.config ? { configPath: flags.config } : {}), flags: { db: flags.db } });
  const path = typeof loaded.proxy.store === 'string' ? loaded.proxy.store : 'archestra.db';
  if (path === ':memory:') throw new ConfigError(`${command} reads the store file the server uses: give it with --db (a server on ":memory:" keeps its rows in its own process).`);
  if (!isPostgresUrl(path) && !existsSync(path)) throw new ConfigError(`No store file at ${path}: give the file the server writes with --db or the config's store.`);
  return path;
}
