import { loadConfig } from '../config/load-config.js';
import { validateConfig } from '../config/validate-config.js';
import { createProxy } from '../proxy.js';
import { createProviderSet } from '../providers/provider-set.js';
import { openStore } from '../store/open-store.js';
import { withoutPassword } from '../store/pg-client.js';
import { VERSION } from '../version.js';
import { parseCommand } from './parse-command.js';
import { watchRequests } from './request-log.js';
import { MOUNT, startServer } from './server.js';
import { EXIT, EXIT_CODES_HELP, UsageError } from './usage-error.js';

export const SERVE_USAGE = `Usage: archestra-proxy serve [--config proxy.json|proxy.config.ts] [--host 127.0.0.1] [--port 9000] [--db archestra.db] [--log requests]
Runs the proxy on plain node:http: /v1/<provider>[/<proxyId>], /healthz, /metrics, /admin/api/.
--config takes a JSON file (see proxy.example.json) or a .ts/.mjs/.js module whose default export is the config (defineConfig()).
--log requests prints one line per request (time, path, operation, model, status, ms, and REFUSED with the rule
that decided when the proxy refused something); --log none (the default) prints only the banner and the last line.
On SIGINT or SIGTERM it finishes the requests in flight, writes every audit row, prints how many requests it served
and refused, and exits 0.
${EXIT_CODES_HELP}`;

export const SERVE_FLAGS = {
  config: { type: 'string', short: 'c' },
  host: { type: 'string' },
  port: { type: 'string', short: 'p' },
  db: { type: 'string' },
  log: { type: 'string' },
} as const;

const LOG_LEVELS = ['none', 'requests'] as const;

/** `archestra-proxy serve`: the bundled server, until SIGINT or SIGTERM. Resolves with -1: the process exits on its own. */
export async function serveCommand(argv: string[]): Promise<number> {
  const { values, positionals, help } = parseCommand('serve', argv, SERVE_FLAGS);
  if (help) {
    console.log(SERVE_USAGE);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`serve takes no arguments; got "${positionals[0]}" (archestra-proxy serve --help).`);
  const log = values.log ?? 'none';
  if (!(LOG_LEVELS as readonly string[]).includes(log)) throw new UsageError(`--log must be one of ${LOG_LEVELS.join(', ')}; got "${log}".`);

  const loaded = await loadConfig({
    ...(values.config !== undefined ? { configPath: values.config } : {}),
    flags: { port: values.port, host: values.host, db: values.db },
  });
  // The server opens the store itself, so that it can count (and print) each request's row.
  const resolved = validateConfig(loaded.proxy);
  const storeName = typeof resolved.store === 'string' ? withoutPassword(resolved.store) : 'custom';
  const requests = watchRequests(typeof resolved.store === 'string' ? openStore(resolved.store, resolved.audit) : resolved.store, log === 'requests' ? (line) => console.log(line) : undefined);
  const proxy = createProxy({ ...loaded.proxy, store: requests.store });
  // A database store migrates its schema first: a server that cannot use its store does not start.
  try {
    await proxy.store.ready;
  } catch (error) {
    await proxy.close().catch(() => undefined);
    throw new Error(`The store could not be prepared (${error instanceof Error ? error.message : String(error)}); nothing was started.`);
  }
  const { host, port, ...options } = loaded.server;
  const running = await startServer(proxy, host, port, options).catch(async (error: unknown) => {
    // Nothing is left listening (startServer sees to that); the store is closed cleanly too.
    await proxy.close();
    throw error;
  });

  const served = createProviderSet(resolved.providers);
  const lines = [
    `Archestra LLM proxy ${VERSION} listening on ${running.url}`,
    `  store: ${storeName}   metrics: ${running.metricsUrl}${loaded.server.metrics.token ? ' (token required)' : ''}   health: ${running.url}/healthz`,
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
      () => {
        // Every row is written by now, so the count is whole.
        console.log(requests.summary());
        process.exit(EXIT.ok);
      },
      (error: unknown) => {
        console.error('Shutdown failed:', error instanceof Error ? error.message : error);
        process.exit(EXIT.failure);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return -1;
}
