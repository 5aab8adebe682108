/**
 * @module
 * The `archestra-proxy` command.
 *
 * @example
 * npx archestra-proxy serve --config proxy.json --port 9000
 */
import { parseArgs } from 'node:util';
import { DEFAULT_BASE_URLS } from '../config/schema.js';
import { loadConfig } from '../config/load-config.js';
import { isArchestraError } from '../errors.js';
import { createProxy } from '../proxy.js';
import { providerAdapters } from '../providers/registry.js';
import { PROVIDER_NAMES } from '../types.js';
import { VERSION } from '../version.js';
import { KEYS_USAGE, keysCommand } from './keys.js';
import { MOUNT, type StartServerOptions, serverLimits, startServer } from './server.js';

const USAGE = `Usage: archestra-proxy serve [--config proxy.json] [--host 127.0.0.1] [--port 9000] [--db archestra.db]
${KEYS_USAGE.replace('Usage: ', '       ')}

Environment: ARCHESTRA_PORT, ARCHESTRA_HOST, ARCHESTRA_DB, ARCHESTRA_MASTER_KEY,
             ARCHESTRA_<PROVIDER>_BASE_URL, ARCHESTRA_<PROVIDER>_API_KEY
             (PROVIDER: ${PROVIDER_NAMES.map((name) => name.toUpperCase()).join(', ')})`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'keys') return keysCommand(argv.slice(1));
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      host: { type: 'string' },
      port: { type: 'string', short: 'p' },
      db: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.version) return print(VERSION);
  if (values.help || positionals[0] !== 'serve') return print(USAGE, positionals[0] === undefined || values.help ? 0 : 2);

  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535)) return print(`--port must be a port number; got "${values.port}".`, 2);
  const loaded = await loadConfig({
    ...(values.config ? { configPath: values.config } : {}),
    overrides: { ...(port !== undefined ? { port } : {}), ...(values.host ? { host: values.host } : {}), ...(values.db ? { store: values.db } : {}) },
  });
  // Checked before anything is opened: a bad value is refused with its field named.
  const limits = serverLimits(loaded.server.limits as StartServerOptions);
  const proxy = createProxy(loaded.proxy);
  const running = await startServer(proxy, loaded.server.host, loaded.server.port, limits);

  const served = PROVIDER_NAMES.filter((name) => providerAdapters[name] !== undefined);
  const lines = [
    `Archestra LLM proxy ${VERSION} listening on ${running.url}`,
    `  store: ${typeof loaded.proxy.store === 'string' ? loaded.proxy.store : 'custom'}   metrics: ${running.url}/metrics   health: ${running.url}/healthz`,
    '',
    'Point your SDK at these URLs (what the "Connect" button shows):',
  ];
  for (const proxyId of proxy.profileIds) {
    for (const provider of served) {
      const path = proxyId === 'default' ? `${MOUNT}/${provider}` : `${MOUNT}/${provider}/${proxyId}`;
      const upstream = loaded.proxy.providers?.[provider]?.baseUrl ?? DEFAULT_BASE_URLS[provider];
      lines.push(`  ${proxyId.padEnd(14)} ${provider.padEnd(10)} ${`${running.url}${path}`.padEnd(48)} -> ${upstream}`);
    }
  }
  // One write, so whoever reads the banner gets it whole.
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: finishing in-flight requests (up to ${limits.drainTimeoutMs} ms) and flushing the audit log...`);
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('Shutdown failed:', error instanceof Error ? error.message : error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return -1;
}

function print(text: string, code = 0): number {
  (code === 0 ? console.log : console.error)(text);
  return code;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    // Configuration mistakes are the user's to fix: show the message, not a stack trace.
    console.error(isArchestraError(error) ? error.message : `archestra-proxy: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
