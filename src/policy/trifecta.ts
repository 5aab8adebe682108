import type { ToolCallView } from '../providers/types.js';
import { globMatches } from './match.js';
import type { PolicyConfig } from './schema.js';
import type { ContextVerdict, ToolCallDecision } from './types.js';

/**
 * The trifecta breaker: a call to an outward-communicating tool is blocked when the context holds
 * both private data (a result of a private-data tool) and untrusted content (an untrusted tool
 * result, or the session's taint). The last line of defence: it overrides `allow` rules. Returns
 * null when a leg is missing (the normal rules then decide). The reason names the legs by tool
 * name and message index, never by value.
 */
export function breakTrifecta(call: ToolCallView, verdict: ContextVerdict, policy: PolicyConfig): ToolCallDecision | null {
  const { externalTools } = policy.trifecta;
  if (!externalTools.some((pattern) => globMatches(pattern, call.name))) return null;
  const privateLeg = verdict.privateResults[0];
  if (!privateLeg || !verdict.tainted) return null;
  const untrusted = verdict.results.find((result) => result.trust === 'untrusted');
  const untrustedLeg = untrusted ? `the result of "${untrusted.tool}" in message ${untrusted.messageIndex}` : 'this session read untrusted content earlier';
  return {
    kind: 'tool_call',
    toolCallId: call.id,
    tool: call.name,
    action: 'block',
    ruleId: 'trifecta',
    reason: `"${call.name}" was blocked: it communicates outward while the context holds private data (the result of "${privateLeg.tool}" in message ${privateLeg.messageIndex}) and untrusted content (${untrustedLeg})`,
  };
}

/** Quarantine mode: no tool call at all is allowed in a tainted context. */
export function quarantineCall(call: ToolCallView, verdict: ContextVerdict, policy: PolicyConfig): ToolCallDecision | null {
  if (!policy.quarantine || !verdict.tainted) return null;
  return { kind: 'tool_call', toolCallId: call.id, tool: call.name, action: 'block', ruleId: 'quarantine', reason: `"${call.name}" was blocked: the context holds untrusted content, and tools are quarantined` };
}
