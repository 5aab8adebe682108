import type { ToolCallView } from '../providers/types.js';
import { safeParseJson } from '../providers/shared/json.js';
import { conditionsHold, globMatches } from './match.js';
import { traceArguments } from './provenance.js';
import type { PolicyConfig, ToolAction } from './schema.js';
import type { ContextVerdict, ToolCallDecision } from './types.js';

/**
 * Decides one tool call. The first rule whose tool glob and conditions match gives the action;
 * none gives `defaultToolAction`. `allow_when_context_trusted` in a tainted context allows the
 * call only when every target-like argument (an address, a URL, an account number) was written by
 * the user, the system or a trusted tool: a recipient found only in a web page is refused.
 */
export function decideToolCall(call: ToolCallView, verdict: ContextVerdict, policy: PolicyConfig): ToolCallDecision {
  const base = { kind: 'tool_call' as const, toolCallId: call.id, tool: call.name };
  const { action, ruleId, reason } = matchRule(call, policy);
  if (action === 'allow') return { ...base, action: 'allow', ruleId, reason: reason ?? `"${call.name}" is allowed` };
  if (action === 'block') return { ...base, action: 'block', ruleId, reason: reason ?? `"${call.name}" is not allowed by policy "${ruleId}"` };
  if (action === 'require_approval') return { ...base, action: 'require_approval', ruleId, reason: reason ?? `"${call.name}" needs a person's approval (policy "${ruleId}")` };
  if (!verdict.tainted) return { ...base, action: 'allow', ruleId, reason: 'the context holds only trusted content' };

  const provenance = traceArguments(call.arguments, verdict);
  if (provenance.length > 0 && provenance.every((entry) => entry.source === 'trusted')) {
    return { ...base, action: 'allow', ruleId, reason: 'every target argument comes from trusted content', provenance };
  }
  const culprit = provenance.find((entry) => entry.source === 'untrusted') ?? provenance.find((entry) => entry.source === 'unknown');
  const taintSource = verdict.results.find((result) => result.trust === 'untrusted');
  let why: string;
  // The value itself stays in the audit trail's provenance: the client never sees a refused call's arguments.
  // Say what would unblock it: a value the user gives in their own words passes.
  if (culprit?.source === 'untrusted') why = `its argument ${culprit.path} comes from untrusted content (message ${culprit.messageIndex}); if the user wants it, they can give that value in their own words`;
  else if (culprit) why = `its argument ${culprit.path} does not come from the user or a trusted source${verdict.taintedBySession ? ', and this session read untrusted content earlier' : ''}`;
  else if (taintSource) why = `the context holds untrusted content (the result of "${taintSource.tool}" in message ${taintSource.messageIndex})`;
  else why = 'this session read untrusted content earlier';
  return { ...base, action: 'block', ruleId, reason: reason ?? `"${call.name}" was blocked: ${why}`, provenance };
}

function matchRule(call: ToolCallView, policy: PolicyConfig): { action: ToolAction; ruleId: string; reason: string | undefined } {
  let args: unknown;
  let parsed = false;
  for (const [index, rule] of policy.tools.entries()) {
    if (!globMatches(rule.tool, call.name)) continue;
    if (rule.when.length > 0) {
      if (!parsed) {
        const result = safeParseJson(call.arguments || '{}');
        args = result.success ? result.value : undefined;
        parsed = true;
      }
      // Arguments that are not JSON cannot satisfy a condition, so a conditional allow never applies.
      if (args === undefined || !conditionsHold(rule.when, args)) continue;
    }
    return { action: rule.action, ruleId: rule.id ?? `tools:${index}`, reason: rule.reason };
  }
  return { action: policy.defaultToolAction, ruleId: 'default', reason: undefined };
}
