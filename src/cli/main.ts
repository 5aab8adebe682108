/**
 * @module
 * The `archestra-proxy` command.
 *
 * @example
 * npx archestra-proxy serve --config proxy.json --port 9000
 */
import { parseArgs } from 'node:util';
import { closestName } from '../config/closest-name.js';
import { loadConfig } from '../config/load-config.js';
import { isArchestraError } from '../errors.js';
import { createProxy } from '../proxy.js';
import { createProviderSet } from '../providers/provider-set.js';
import { validateConfig } from '../config/validate-config.js';
import { PROVIDER_NAMES } from '../types.js';
import { KNOWN_COMPATIBLE_APIS } from '../providers/known-compatible.js';
import { VERSION } from '../version.js';
import { flagError } from './flag-error.js';
import { APPROVALS_FLAGS, APPROVALS_USAGE, approvalsCommand } from './approvals.js';
import { KEYS_USAGE, keysCommand } from './keys.js';
import { MOUNT, startServer } from './server.js';
import { USAGE_FLAGS, USAGE_USAGE, usageCommand } from './usage.js';

const USAGE = `Usage: archestra-proxy serve [--config proxy.json] [--host 127.0.0.1] [--port 9000] [--db archestra.db]
${KEYS_USAGE.replace('Usage: ', '       ')}
${APPROVALS_USAGE.replace('Usage: ', '       ')}
${USAGE_USAGE.replace('Usage: ', '       ')}

Environment: ARCHESTRA_PORT, ARCHESTRA_HOST, ARCHESTRA_DB, ARCHESTRA_MASTER_KEY, ARCHESTRA_METRICS_TOKEN, ARCHESTRA_ADMIN_TOKEN,
             ARCHESTRA_<PROVIDER>_BASE_URL, ARCHESTRA_<PROVIDER>_API_KEY
             (PROVIDER: ${[...PROVIDER_NAMES, ...KNOWN_COMPATIBLE_APIS.keys()].map((name) => name.toUpperCase()).join(', ')})`;

const SERVE_FLAGS = {
  config: { type: 'string', short: 'c' },
  host: { type: 'string' },
  port: { type: 'string', short: 'p' },
  db: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'keys') return keysCommand(argv.slice(1));
  if (argv[0] === 'approvals') return approvalsCommand(argv.slice(1));
  if (argv[0] === 'usage') return usageCommand(argv.slice(1));
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: SERVE_FLAGS });
  if (values.version) return print(VERSION);
  if (values.help || positionals[0] === undefined) return print(USAGE);
  if (positionals[0] !== 'serve') {
    const guess = closestName(positionals[0], ['serve', 'keys', 'approvals', 'usage']);
    return print(`Unknown command "${positionals[0]}"${guess ? `; did you mean "${guess}"?` : ''}\n\n${USAGE}`, 2);
  }

  const loaded = await loadConfig({
    ...(values.config !== undefined ? { configPath: values.config } : {}),
    flags: { port: values.port, host: values.host, db: values.db },
  });
  const proxy = createProxy(loaded.proxy);
  const { host, port, ...options } = loaded.server;
  const running = await startServer(proxy, host, port, options).catch(async (error: unknown) => {
    // Nothing is left listening (startServer sees to that); the store is closed cleanly too.
    await proxy.close();
    throw error;
  });

  const served = createProviderSet(validateConfig(loaded.proxy).providers);
  const lines = [
    `Archestra LLM proxy ${VERSION} listening on ${running.url}`,
    `  store: ${typeof loaded.proxy.store === 'string' ? loaded.proxy.store : 'custom'}   metrics: ${running.metricsUrl}${loaded.server.metrics.token ? ' (token required)' : ''}   health: ${running.url}/healthz`,
    '',
    'Point your SDK at these URLs (what the "Connect" button shows):',
  ];
  for (const proxyId of proxy.profileIds) {
    for (const [provider, { baseUrl: upstream }] of served) {
      const path = proxyId === 'default' ? `${MOUNT}/${provider}` : `${MOUNT}/${provider}/${proxyId}`;
      lines.push(`  ${proxyId.padEnd(14)} ${provider.padEnd(10)} ${`${running.url}${path}`.padEnd(48)} -> ${upstream}`);
    }
  }
  // One write, so whoever reads the banner gets it whole.
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: finishing in-flight requests (up to ${options.drainTimeoutMs} ms) and flushing the audit log...`);
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
    const command = process.argv[2];
    const usage = flagError(error, command === 'keys' ? [] : command === 'approvals' ? Object.keys(APPROVALS_FLAGS) : command === 'usage' ? Object.keys(USAGE_FLAGS) : Object.keys(SERVE_FLAGS));
    if (usage !== undefined) {
      console.error(usage);
      process.exitCode = 2;
      return;
    }
    console.error(isArchestraError(error) ? error.message : `archestra-proxy: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
