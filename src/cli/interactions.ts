import type { InteractionQuery, InteractionRecord, Store } from '../types.js';
import { PROVIDER_NAMES } from '../types.js';
import { OUTCOMES, interactionQuery } from './interactions-filter.js';
import { interactionLine, interactionsTable } from './interactions-table.js';
import { parseCommand } from './parse-command.js';
import { openCliStore } from './cli-store.js';
import { existingStoreFile } from './store-file.js';
import { EXIT, EXIT_CODES_HELP, UsageError } from './usage-error.js';

export const INTERACTIONS_USAGE = `Usage: archestra-proxy interactions [--agent ID] [--user ID] [--session ID] [--execution ID] [--proxy-id ID]
                                    [--provider ${PROVIDER_NAMES.join('|')}] [--model NAME] [--outcome OUTCOME] [--refused]
                                    [--since 24h|2026-12-01] [--until ...] [--limit 50] [--follow] [--json]
Common: [--config proxy.json] [--db archestra.db]. The audit trail, newest last, one request a row: when, profile,
provider, model, agent, session, status, outcome, ms, tokens in/out, cost, and REFUSED with the rule that decided.
--outcome takes ${OUTCOMES.join(', ')}; --refused keeps the requests the proxy refused
something in (a blocked or held tool call, a blocked secret, a rate limit, a budget); --model is the model asked for.
The filters are the admin API's, applied by the store. --follow prints the newest rows, then each new one as the server writes it, until Ctrl-C.
--json prints a JSON array (with --follow: one JSON object a line).
${EXIT_CODES_HELP}`;

export const INTERACTIONS_FLAGS = {
  config: { type: 'string', short: 'c' },
  db: { type: 'string' },
  agent: { type: 'string' },
  user: { type: 'string' },
  session: { type: 'string' },
  execution: { type: 'string' },
  provider: { type: 'string' },
  model: { type: 'string' },
  'proxy-id': { type: 'string' },
  outcome: { type: 'string' },
  refused: { type: 'boolean' },
  since: { type: 'string' },
  until: { type: 'string' },
  limit: { type: 'string' },
  follow: { type: 'boolean', short: 'f' },
  json: { type: 'boolean' },
} as const;

/** Most rows one listing shows. */
const MAX_LIMIT = 10_000;
/** How often `--follow` looks for new rows. */
const FOLLOW_EVERY_MS = 500;

type Filter = Omit<InteractionQuery, 'limit' | 'before' | 'after' | 'id'>;

/** `archestra-proxy interactions`: the audit trail in the store the server uses, filtered, listed or followed. */
export async function interactionsCommand(argv: string[]): Promise<number> {
  const { values, positionals, help } = parseCommand('interactions', argv, INTERACTIONS_FLAGS);
  if (help) return print(INTERACTIONS_USAGE);
  if (positionals.length > 0) throw new UsageError(`interactions takes no arguments; got "${positionals[0]}" (archestra-proxy interactions --help).`);
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new UsageError(`--limit must be a whole number from 1 to ${MAX_LIMIT}; got "${values.limit}".`);
  if (values.follow && values.until !== undefined) throw new UsageError('--follow waits for new rows: it takes no --until.');
  const filter = interactionQuery(values, Date.now());
  const path = await existingStoreFile('interactions', values);
  // Read only (a SQLite file without a writer thread): the store is shared with a running server.
  const store = await openCliStore(path);
  try {
    // Newest first from the store; shown oldest first, as a log reads.
    const rows = (await store.listInteractions({ ...filter, limit })).reverse();
    if (!values.follow) {
      if (values.json) console.log(JSON.stringify(rows));
      else console.log(rows.length === 0 ? 'No interactions match.' : interactionsTable(rows));
      return EXIT.ok;
    }
    const show = (row: InteractionRecord) => console.log(values.json ? JSON.stringify(row) : interactionLine(row));
    for (const row of rows) if (row.outcome !== 'started') show(row);
    // On stderr, so that stdout holds only rows (for a pipe, or --json).
    console.error(`Following ${path}: new requests appear as the server writes them (Ctrl-C to stop).`);
    await follow(store, filter, rows, show);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/**
 * Prints each row the server finishes from now on, once, until SIGINT or SIGTERM: the rows after
 * the newest one seen (the store's `after` anchor, so none is missed however many arrive). A
 * request still going (`started`) is printed when its final row replaces it (same id, same place).
 */
async function follow(store: Store, filter: Filter, seen: readonly InteractionRecord[], show: (row: InteractionRecord) => void): Promise<void> {
  let newest = seen.at(-1)?.id ?? (await store.listInteractions({ ...filter, limit: 1 }))[0]?.id;
  const going = new Set(seen.filter((row) => row.outcome === 'started').map((row) => row.id));
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    for (;;) {
      const timer = new Promise<'tick'>((resolve) => setTimeout(() => resolve('tick'), FOLLOW_EVERY_MS));
      if ((await Promise.race([timer, stopped])) !== 'tick') return;
      for (const id of going) {
        const [row] = await store.listInteractions({ id, limit: 1 });
        if (row?.outcome === 'started') continue;
        going.delete(id);
        if (row) show(row);
      }
      // Oldest first, up to 1000 a turn; the next turn takes the rest.
      const rows = (await store.listInteractions({ ...filter, ...(newest ? { after: newest } : {}), limit: 1_000 })).reverse();
      for (const row of rows) {
        if (row.outcome === 'started') going.add(row.id);
        else show(row);
      }
      newest = rows.at(-1)?.id ?? newest;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

function print(text: string): number {
  console.log(text);
  return EXIT.ok;
}
