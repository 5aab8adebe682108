import { existsSync } from 'node:fs';
import { loadConfig } from '../config/load-config.js';
import { ConfigError } from '../errors.js';
import { isPostgresUrl } from '../store/pg-client.js';
import { openCliStore } from './cli-store.js';
import { USAGE_DIMENSIONS, type UsageDimension } from '../types.js';
import { parseCommand } from './parse-command.js';
import { EXIT_CODES_HELP, UsageError } from './usage-error.js';
import { usageTable } from './usage-table.js';
import { parseWindowEdge } from './usage-window.js';

export const USAGE_USAGE = `Usage: archestra-proxy usage [--since 7d|24h|2026-12-01] [--until ...] [--by agent|key|model|day|user|session|provider ...] [--json]
Common: [--config proxy.json] [--db archestra.db]. Spend (US dollars), requests, refusals and tokens per group,
most spend first; --since defaults to 30d, --until to now (days are UTC); --by repeats or takes a comma list (no --by: one total).
"unpriced" counts requests whose usage was reported but whose model has no price: their cost is unknown, not 0.
${EXIT_CODES_HELP}`;

export const USAGE_FLAGS = {
  config: { type: 'string', short: 'c' },
  db: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  by: { type: 'string', multiple: true },
  json: { type: 'boolean' },
} as const;

/** `archestra-proxy usage`: what was spent, summed in the store the server uses (one SQL aggregate). */
export async function usageCommand(argv: string[]): Promise<number> {
  const { positionals, values, help } = parseCommand('usage', argv, USAGE_FLAGS);
  if (help) {
    console.log(USAGE_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`usage takes no arguments; got "${positionals[0]}".\n\n${USAGE_USAGE}`);
  const by = parseBy(values.by ?? []);
  const now = Date.now();
  const since = parseWindowEdge('since', values.since ?? '30d', now);
  const until = values.until === undefined ? undefined : parseWindowEdge('until', values.until, now);
  if (until !== undefined && until <= since) throw new UsageError(`--until (${until}) must be after --since (${since}).`);
  const loaded = await loadConfig({ ...(values.config ? { configPath: values.config } : {}), flags: { db: values.db } });
  const storePath = typeof loaded.proxy.store === 'string' ? loaded.proxy.store : 'archestra.db';
  if (storePath === ':memory:') throw new ConfigError('usage reads the store file the server uses: give it with --db (a server on ":memory:" keeps its rows in its own process).');
  // A mistyped path must not pass for a store with no requests (opening it would create it).
  if (!isPostgresUrl(storePath) && !existsSync(storePath)) throw new ConfigError(`No store file at ${storePath}: give the file the server writes with --db or the config's store.`);
  // Read only: no writer thread; the file may be shared with a running server.
  const store = await openCliStore(storePath);
  try {
    const summaries = await store.summarizeUsage({ since, ...(until ? { until } : {}), by });
    if (values.json) {
      console.log(JSON.stringify({ since, until: until ?? new Date(now).toISOString(), by, groups: summaries }));
      return 0;
    }
    const names = new Map(by.includes('key') ? (await store.listVirtualKeys()).map((key) => [key.id, key.name]) : []);
    console.log(`Usage from ${since} to ${until ?? 'now'}${summaries.length === 0 ? ': no requests.' : ''}`);
    if (summaries.length > 0) console.log(usageTable(by, summaries, names));
    return 0;
  } finally {
    await store.close();
  }
}

function parseBy(values: readonly string[]): UsageDimension[] {
  const by: UsageDimension[] = [];
  for (const name of values.flatMap((value) => value.split(',')).map((name) => name.trim()).filter(Boolean)) {
    if (!(USAGE_DIMENSIONS as readonly string[]).includes(name)) throw new UsageError(`--by must be one or more of ${USAGE_DIMENSIONS.join(', ')}; got "${name}".`);
    if (!by.includes(name as UsageDimension)) by.push(name as UsageDimension);
  }
  return by;
}
