import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { PROVIDER_NAMES } from '../types.js';
import type { ProxyConfig } from './schema.js';

/** How the bundled server listens, besides the proxy's own configuration. */
export interface ServerSettings {
  host: string;
  port: number;
  /** The file's other `server` fields: timeouts, connection cap, drain time (checked by the server). */
  limits: Record<string, unknown>;
}

export interface LoadedConfig {
  server: ServerSettings;
  proxy: ProxyConfig;
}

export interface LoadConfigOptions {
  /** Path of a JSON config file: `{ "server": { "host", "port" }, ...ProxyConfig }`. */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags; they win over the environment and the file. */
  overrides?: Partial<ServerSettings> & { store?: string };
}

/** Where the bundled server keeps its store unless told otherwise. */
export const DEFAULT_SERVER_DB = 'archestra.db';

/**
 * The bundled server's configuration, from (lowest to highest precedence) defaults, the config
 * file, the environment (`ARCHESTRA_PORT`, `ARCHESTRA_HOST`, `ARCHESTRA_DB`,
 * `ARCHESTRA_<PROVIDER>_BASE_URL`, `ARCHESTRA_<PROVIDER>_API_KEY`) and command-line flags.
 * Used by the CLI only; the library never reads the environment by itself.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const file = options.configPath ? await readConfigFile(options.configPath) : {};
  const { server: fileServer, ...proxy } = file as { server?: Partial<ServerSettings> } & Record<string, unknown>;
  const providers = { ...((proxy.providers as Record<string, Record<string, unknown>> | undefined) ?? {}) };
  for (const name of PROVIDER_NAMES) {
    const upper = name.toUpperCase();
    const baseUrl = env[`ARCHESTRA_${upper}_BASE_URL`];
    const apiKey = env[`ARCHESTRA_${upper}_API_KEY`];
    if (baseUrl || apiKey) {
      providers[name] = { ...providers[name], ...(baseUrl ? { baseUrl } : {}), ...(apiKey ? { apiKey } : {}) };
    }
  }
  const port = options.overrides?.port ?? parsePort(env.ARCHESTRA_PORT) ?? fileServer?.port ?? 9000;
  const host = options.overrides?.host ?? env.ARCHESTRA_HOST ?? fileServer?.host ?? '127.0.0.1';
  const store = options.overrides?.store ?? env.ARCHESTRA_DB ?? (proxy.store as string | undefined) ?? DEFAULT_SERVER_DB;
  const { host: _host, port: _port, ...limits } = fileServer ?? {};
  return { server: { host, port, limits }, proxy: { ...proxy, providers, store } as ProxyConfig };
}

async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read the config file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}.`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new ConfigError(`The config file ${path} is not a JSON object.`);
  }
}

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError(`ARCHESTRA_PORT must be a port number (0-65535); got "${value}".`);
  return port;
}
