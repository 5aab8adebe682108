import type { InteractionQuery, Outcome, ProviderName } from '../types.js';
import { PROVIDER_NAMES } from '../types.js';
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

/**
 * The flags as the store's query (filtered in SQL, the same filters as the admin API's); a bad
 * value is a UsageError naming the flag and what it takes.
 */
export function interactionQuery(flags: InteractionFlags, now: number): Omit<InteractionQuery, 'limit' | 'before' | 'after' | 'id'> {
  if (flags.provider !== undefined && !(PROVIDER_NAMES as readonly string[]).includes(flags.provider)) {
    throw new UsageError(`--provider must be one of ${PROVIDER_NAMES.join(', ')}; got "${flags.provider}".`);
  }
  if (flags.outcome !== undefined && !(OUTCOMES as string[]).includes(flags.outcome)) {
    throw new UsageError(`--outcome must be one of ${OUTCOMES.join(', ')}; got "${flags.outcome}".`);
  }
  const since = flags.since === undefined ? undefined : parseWindowEdge('since', flags.since, now);
  const until = flags.until === undefined ? undefined : parseWindowEdge('until', flags.until, now);
  if (since !== undefined && until !== undefined && until <= since) throw new UsageError(`--until (${until}) must be after --since (${since}).`);
  return {
    ...(flags.agent !== undefined ? { agentId: flags.agent } : {}),
    ...(flags.user !== undefined ? { userId: flags.user } : {}),
    ...(flags.session !== undefined ? { sessionId: flags.session } : {}),
    ...(flags.execution !== undefined ? { executionId: flags.execution } : {}),
    ...(flags['proxy-id'] !== undefined ? { proxyId: flags['proxy-id'] } : {}),
    ...(flags.provider !== undefined ? { provider: flags.provider as ProviderName } : {}),
    ...(flags.model !== undefined ? { model: flags.model } : {}),
    ...(flags.outcome !== undefined ? { outcome: flags.outcome as Outcome } : {}),
    ...(flags.refused ? { refused: true } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
  };
}
