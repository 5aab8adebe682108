import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { PROVIDER_NAMES } from '../types.js';
import { KNOWN_COMPATIBLE_APIS } from '../providers/known-compatible.js';
import { readConfigFile } from './read-config-file.js';
import { type ProxyConfig, adminTokenSchema, providerSchema, proxyConfigSchema } from './schema.js';
import { type ServerSettings, configFileSchema, hostSchema, metricsTokenSchema, portSchema } from './server-schema.js';
import { parseConfig } from './validate-config.js';

export type { ServerSettings } from './server-schema.js';

export interface LoadedConfig {
  server: ServerSettings;
  proxy: ProxyConfig;
}

/** The command-line flags that set configuration, as typed (they win over the environment and the file). */
export interface ConfigFlags {
  port?: string;
  host?: string;
  db?: string;
}

export interface LoadConfigOptions {
  /**
   * Path of a config file: JSON (`{ "server": { "host", "port", "metrics" }, ...ProxyConfig }`),
   * or a `.ts`/`.mjs`/`.js` module whose default export is that object (`defineConfig()`).
   */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  flags?: ConfigFlags;
}

/** Where the bundled server keeps its store unless told otherwise. */
export const DEFAULT_SERVER_DB = 'archestra.db';

/** A setting given as text (an environment variable or a flag) and the config field it sets. */
interface TextSetting {
  /** How errors name it: `ARCHESTRA_PORT`, `--port`. */
  name: string;
  path: readonly string[];
  /** Reads the text; the field's own schema from the config file's. */
  schema: z.ZodType;
  /** A key or token: its value never appears in an error. */
  secret?: boolean;
}

/** Digits only: `Number()` would also take '', ' 80', '0x50' and '1e3'. */
const portText = z.string().transform((text) => (/^\d+$/.test(text) ? Number(text) : Number.NaN)).pipe(portSchema);

const ENVIRONMENT: readonly TextSetting[] = [
  { name: 'ARCHESTRA_PORT', path: ['server', 'port'], schema: portText },
  { name: 'ARCHESTRA_HOST', path: ['server', 'host'], schema: hostSchema },
  { name: 'ARCHESTRA_DB', path: ['store'], schema: proxyConfigSchema.shape.store },
  { name: 'ARCHESTRA_METRICS_TOKEN', path: ['server', 'metrics', 'token'], schema: metricsTokenSchema, secret: true },
  { name: 'ARCHESTRA_ADMIN_TOKEN', path: ['admin', 'token'], schema: adminTokenSchema, secret: true },
  // The built-in providers, and the well-known OpenAI-compatible APIs (ARCHESTRA_GROQ_API_KEY serves groq).
  ...[...PROVIDER_NAMES, ...KNOWN_COMPATIBLE_APIS.keys()].flatMap((provider) => [
    { name: `ARCHESTRA_${provider.toUpperCase()}_BASE_URL`, path: ['providers', provider, 'baseUrl'], schema: providerSchema.shape.baseUrl },
    { name: `ARCHESTRA_${provider.toUpperCase()}_API_KEY`, path: ['providers', provider, 'apiKey'], schema: providerSchema.shape.apiKey, secret: true },
  ]),
];

const FLAGS: Record<keyof ConfigFlags, TextSetting> = {
  port: { name: '--port', path: ['server', 'port'], schema: portText },
  host: { name: '--host', path: ['server', 'host'], schema: hostSchema },
  db: { name: '--db', path: ['store'], schema: proxyConfigSchema.shape.store },
};

/**
 * The bundled server's configuration, from (lowest to highest precedence) defaults, the config
 * file, the environment (`ARCHESTRA_PORT`, `ARCHESTRA_HOST`, `ARCHESTRA_DB`,
 * `ARCHESTRA_METRICS_TOKEN`, `ARCHESTRA_ADMIN_TOKEN`, `ARCHESTRA_<PROVIDER>_BASE_URL`, `ARCHESTRA_<PROVIDER>_API_KEY`) and
 * command-line flags. Anything wrong is a ConfigError naming where it came from: the file's field,
 * the variable or the flag. Used by the CLI only; the library never reads the environment by itself.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const file = options.configPath === undefined ? {} : await readConfigFile(options.configPath);
  parseConfig(configFileSchema, file, `Invalid config file ${options.configPath}:`);

  const merged = clonePlain(file);
  const problems: string[] = [];
  const given: [TextSetting, string | undefined][] = [
    ...ENVIRONMENT.map((setting): [TextSetting, string | undefined] => [setting, env[setting.name]]),
    ...Object.entries(FLAGS).map(([key, setting]): [TextSetting, string | undefined] => [setting, options.flags?.[key as keyof ConfigFlags]]),
  ];
  for (const [setting, text] of given) {
    if (text === undefined) continue;
    const read = readText(setting, text);
    if ('problem' in read) problems.push(`  - ${setting.name}: ${read.problem}`);
    else setIn(merged, setting.path, read.value);
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);

  // Each part is valid alone; this checks how they combine (the metrics port against the main one).
  const { server } = parseConfig(configFileSchema, merged, 'Invalid configuration (the config file, environment and flags together):');
  const { server: _server, ...proxy } = merged;
  return { server, proxy: { ...proxy, store: (proxy.store as string | undefined) ?? DEFAULT_SERVER_DB } as ProxyConfig };
}

function readText(setting: TextSetting, text: string): { value: unknown } | { problem: string } {
  if (text === '') return { problem: setting.name.startsWith('--') ? 'is empty' : 'is set but empty (unset it, or give it a value)' };
  const result = setting.schema.safeParse(text);
  if (result.success) return { value: result.data };
  const expected = result.error.issues[0]?.message ?? 'invalid';
  return { problem: setting.secret ? expected : `${expected}; got ${JSON.stringify(text)}` };
}

/**
 * A copy of the config's plain objects and arrays (the environment and flags are written into
 * it); anything else a `.ts`/`.mjs` config may hold (a prom-client Registry, a Store, a
 * function) is kept as it is, which `structuredClone` would refuse or strip.
 */
function clonePlain<Value>(value: Value): Value {
  if (Array.isArray(value)) return value.map(clonePlain) as Value;
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, clonePlain(inner)])) as Value;
}

function setIn(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let at = target;
  for (const key of path.slice(0, -1)) {
    if (typeof at[key] !== 'object' || at[key] === null) at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  at[path.at(-1)!] = value;
}
