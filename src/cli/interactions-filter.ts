import type { InteractionQuery, InteractionRecord, Outcome } from '../types.js';
import { PROVIDER_NAMES } from '../types.js';
import { refusalOf } from './refusal.js';
import { UsageError } from './usage-error.js';
import { parseWindowEdge } from './usage-window.js';

/** Every outcome a row can have (a Record, so a new one is a compile error here until listed). */
const OUTCOME_SET: Record<Outcome, true> = {
  ok: true, started: true, rejected: true, rate_limited: true, over_budget: true,
  upstream_error: true, upstream_unreachable: true, client_aborted: true,
};
export const OUTCOMES = Object.keys(OUTCOME_SET) as Outcome[];

/** The `interactions` flags that choose rows, as typed. */
export interface InteractionFlags {
  agent?: string | undefined;
  user?: string | undefined;
  session?: string | undefined;
  execution?: string | undefined;
  provider?: string | undefined;
  model?: string | undefined;
  'proxy-id'?: string | undefined;
  outcome?: string | undefined;
  refused?: boolean | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

export interface InteractionFilter {
  /** What the store can select by itself. */
  query: Omit<InteractionQuery, 'limit'>;
  /** The whole filter, applied to every row the store returns. */
  matches(row: InteractionRecord): boolean;
  /** Whether `matches` selects more than `query` does (then more rows are read than shown). */
  narrowsFurther: boolean;
}

/** The flags as a filter; a bad value is a UsageError naming the flag and what it takes. */
export function interactionFilter(flags: InteractionFlags, now: number): InteractionFilter {
  if (flags.provider !== undefined && !(PROVIDER_NAMES as readonly string[]).includes(flags.provider)) {
    throw new UsageError(`--provider must be one of ${PROVIDER_NAMES.join(', ')}; got "${flags.provider}".`);
  }
  const outcomes = flags.outcome?.split(',').map((name) => name.trim()).filter(Boolean);
  for (const outcome of outcomes ?? []) {
    if (!(OUTCOMES as string[]).includes(outcome)) throw new UsageError(`--outcome must be one or more of ${OUTCOMES.join(', ')}; got "${outcome}".`);
  }
  const since = flags.since === undefined ? undefined : parseWindowEdge('since', flags.since, now);
  const until = flags.until === undefined ? undefined : parseWindowEdge('until', flags.until, now);
  if (since !== undefined && until !== undefined && until <= since) throw new UsageError(`--until (${until}) must be after --since (${since}).`);

  const query: Omit<InteractionQuery, 'limit'> = {
    ...(flags.agent !== undefined ? { agentId: flags.agent } : {}),
    ...(flags.session !== undefined ? { sessionId: flags.session } : {}),
    ...(flags['proxy-id'] !== undefined ? { proxyId: flags['proxy-id'] } : {}),
  };
  // Rows carry ISO-8601 UTC times, so comparing the texts compares the times.
  const tests: ((row: InteractionRecord) => boolean)[] = [];
  if (flags.user !== undefined) tests.push((row) => row.userId === flags.user);
  if (flags.execution !== undefined) tests.push((row) => row.executionId === flags.execution);
  if (flags.provider !== undefined) tests.push((row) => row.provider === flags.provider);
  if (flags.model !== undefined) tests.push((row) => row.model === flags.model || row.responseModel === flags.model);
  if (outcomes !== undefined && outcomes.length > 0) tests.push((row) => outcomes.includes(row.outcome));
  if (flags.refused) tests.push((row) => refusalOf(row) !== undefined);
  if (since !== undefined) tests.push((row) => new Date(row.createdAt).toISOString() >= since);
  if (until !== undefined) tests.push((row) => new Date(row.createdAt).toISOString() < until);
  const byQuery = (row: InteractionRecord) => (query.agentId === undefined || row.agentId === query.agentId)
    && (query.sessionId === undefined || row.sessionId === query.sessionId)
    && (query.proxyId === undefined || row.proxyId === query.proxyId);
  return {
    query,
    matches: (row) => byQuery(row) && tests.every((test) => test(row)),
    narrowsFurther: tests.length > 0,
  };
}
