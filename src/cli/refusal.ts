import { isRefused, refusingDecision } from '../store/interaction-filter.js';
import type { InteractionRecord, PolicyDecision } from '../types.js';

/**
 * What the proxy refused in a request, in a few words with the rule that decided
 * (`tool send_email blocked by rule default: ...`), or undefined when it refused nothing. Refused
 * means what `--refused` and the admin API's `refused` filter select (`isRefused`): a refusing
 * outcome (a policy, a rate limit, a budget), or something blocked or held for approval, even in
 * an answer that went out with 200.
 */
export function refusalOf(row: InteractionRecord): string | undefined {
  if (!isRefused(row)) return undefined;
  const decision = refusingDecision(row) ?? row.decisions?.find((each) => each.kind === 'rate_limit' || each.kind === 'budget');
  return (decision && describe(decision)) ?? row.error ?? row.outcome;
}

function describe(decision: PolicyDecision): string | undefined {
  switch (decision.kind) {
    case 'tool_call':
      return `tool ${decision.tool} ${decision.action === 'block' ? 'blocked' : 'held for approval'} by rule ${decision.ruleId}: ${decision.reason}`;
    case 'data_leak':
      return `${decision.direction} blocked by rule data_leak (${decision.detector} at ${decision.path})`;
    case 'rate_limit':
      return `by rate limit ${decision.ruleId} (${decision.limit} per ${decision.scope}${decision.outcome === 'store_error' ? ', store unreachable' : ''})`;
    case 'budget':
      return `by budget ${decision.budgetId} (${decision.scope}, ${decision.outcome.replace('_', ' ')})`;
    default:
      return undefined;
  }
}
