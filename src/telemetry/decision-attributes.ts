import type { PolicyDecision } from '../types.js';

/** A decision as span event attributes: what was decided and by which rule, never a value. */
export function decisionAttributes(decision: PolicyDecision): Record<string, string> {
  if (decision.kind === 'model_rule') return { 'archestra.policy.kind': decision.kind, 'archestra.policy.rule': decision.ruleId, 'archestra.policy.action': 'rewrite_model', 'gen_ai.request.model': decision.used };
  if (decision.kind === 'budget') return { 'archestra.policy.kind': decision.kind, 'archestra.policy.rule': decision.budgetId, 'archestra.policy.action': decision.outcome, 'archestra.budget.unit': decision.unit };
  if (decision.kind === 'data_leak') {
    return { 'archestra.policy.kind': decision.kind, 'archestra.policy.rule': decision.detector, 'archestra.policy.action': decision.action, 'archestra.policy.direction': decision.direction };
  }
  if (decision.kind === 'quarantine') {
    return { 'archestra.policy.kind': decision.kind, 'archestra.policy.rule': decision.ruleId, 'archestra.policy.action': 'strip_tools' };
  }
  if (decision.kind === 'dual_llm') {
    return { 'archestra.policy.kind': decision.kind, 'archestra.policy.rule': decision.ruleId, 'archestra.policy.tool': decision.tool, 'archestra.policy.action': decision.outcome };
  }
  if (decision.kind === 'dual_llm_call') {
    return { 'archestra.policy.kind': decision.kind, 'archestra.policy.tool': decision.tool, 'archestra.policy.action': decision.role };
  }
  if (decision.kind === 'hosted_tool') return { 'archestra.policy.kind': decision.kind, 'archestra.policy.tool': decision.tool, 'archestra.policy.action': 'taint' };
  if (decision.kind === 'rate_limit') {
    return { 'archestra.policy.kind': decision.kind, 'archestra.policy.rule': decision.ruleId, 'archestra.policy.action': decision.outcome, 'archestra.rate_limit.limit': decision.limit };
  }
  if (decision.kind === 'tool_scope') return { 'archestra.policy.kind': decision.kind, 'archestra.policy.rule': 'tool_scope', 'archestra.policy.action': decision.outcome };
  const action = decision.kind === 'tool_call' ? decision.action : decision.trust;
  return { 'archestra.policy.kind': decision.kind, 'archestra.policy.rule': decision.ruleId, 'archestra.policy.tool': decision.tool, 'archestra.policy.action': action };
}
