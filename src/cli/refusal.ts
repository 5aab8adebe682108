import type { InteractionRecord, PolicyDecision } from '../types.js';
import { REFUSAL_OUTCOMES } from '../store/usage-summary.js';

/**
 * What the proxy refused in a request, in a few words with the rule that decided
 * (`tool send_email by rule default: ...`), or undefined when it refused nothing. A request is
 * refused when its outcome is a refusal (a policy, a rate limit, a budget) or when one of its
 * decisions kept something from passing (a tool call blocked or held for approval, a secret
 * blocked, quarantine, a result withheld), even if the answer itself went out with 200.
 */
export function refusalOf(row: InteractionRecord): string | undefined {
  for (const decision of row.decisions ?? []) {
    const refused = refusedBy(decision);
    if (refused !== undefined) return refused;
  }
  if ((REFUSAL_OUTCOMES as readonly string[]).includes(row.outcome)) return row.error ?? row.outcome;
  return undefined;
}

function refusedBy(decision: PolicyDecision): string | undefined {
  switch (decision.kind) {
    case 'tool_call':
      if (decision.action === 'allow') return undefined;
      return `tool ${decision.tool} ${decision.action === 'block' ? 'blocked' : 'held for approval'} by rule ${decision.ruleId}: ${decision.reason}`;
    case 'data_leak':
      return decision.action === 'block' ? `${decision.direction} blocked by rule data_leak (${decision.detector} at ${decision.path})` : undefined;
    case 'quarantine':
      return `tools withheld by rule quarantine: ${decision.reason}`;
    case 'dual_llm':
      return decision.outcome === 'withheld' ? `result of ${decision.tool} withheld by rule ${decision.ruleId}: ${decision.reason}` : undefined;
    case 'rate_limit':
      return `by rate limit ${decision.ruleId} (${decision.limit} per ${decision.scope}${decision.outcome === 'store_error' ? ', store unreachable' : ''})`;
    case 'budget':
      return `by budget ${decision.budgetId} (${decision.scope}, ${decision.outcome.replace('_', ' ')})`;
    default:
      return undefined;
  }
}
