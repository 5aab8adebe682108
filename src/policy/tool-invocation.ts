import type { ToolCallView } from '../providers/types.js';
import { safeParseJson } from '../providers/shared/json.js';
import { argumentLeaves, declarationFor } from './declarations.js';
import { conditionsHold, globMatches } from './match.js';
import { traceArguments, traceLeaves } from './provenance.js';
import { judgeDeclared } from './consequence.js';
import { dictatedContent, sensitiveContent } from './content-checks.js';
import type { PolicyConfig, ToolAction, ToolDeclaration } from './schema.js';
import type { ContextVerdict, ToolCallDecision } from './types.js';
import { whereFrom } from './explain.js';

/**
 * Decides one tool call. The first rule whose tool glob and conditions match gives the action;
 * none gives the declared consequence class's action, else `defaultToolAction`.
 * `allow_when_context_trusted` in a tainted context allows the call only when what it reaches
 * was named by the user, the system or a trusted source: for a declared tool, by its consequence
 * class (policy/consequence.ts); for an undeclared one, when every target-like argument (an
 * address, a URL, an account number) is traced to trusted content.
 */
export function decideToolCall(call: ToolCallView, verdict: ContextVerdict, policy: PolicyConfig): ToolCallDecision {
  const base = { kind: 'tool_call' as const, toolCallId: call.id, tool: call.name };
  const declaration = declarationFor(call.name, policy);
  const { action, ruleId, reason } = matchRule(call, policy, declaration);
  if (action === 'allow') return { ...base, action: 'allow', ruleId, reason: reason ?? `"${call.name}" is allowed` };
  if (action === 'block') return { ...base, action: 'block', ruleId, reason: reason ?? `"${call.name}" is not allowed by policy "${ruleId}"` };
  if (action === 'require_approval') return { ...base, action: 'require_approval', ruleId, reason: reason ?? `"${call.name}" needs a person's approval (policy "${ruleId}")` };
  if (!verdict.tainted) return { ...base, action: 'allow', ruleId, reason: 'the context holds only trusted content' };
  if (declaration) return judgeDeclared(call, argumentLeaves(call.arguments, declaration), verdict, policy, declaration, ruleId, reason);

  // The arguments are parsed once, for the trace and the content checks.
  const leaves = argumentLeaves(call.arguments, undefined);
  const provenance = leaves ? traceLeaves(leaves, verdict) : traceArguments(call.arguments, verdict);
  if (leaves && provenance.length > 0 && provenance.every((entry) => entry.source === 'trusted')) {
    // The default reading cannot tell a send from a note: content checks apply to every call.
    const concern = sensitiveContent(leaves, verdict) ?? dictatedContent(leaves, verdict);
    if (concern) return { ...base, action: 'block', ruleId, reason: reason ?? `"${call.name}" was blocked: ${concern.why}, in a context that holds untrusted content`, provenance };
    return { ...base, action: 'allow', ruleId, reason: 'every target argument comes from trusted content', provenance };
  }
  const culprit = provenance.find((entry) => entry.source === 'untrusted') ?? provenance.find((entry) => entry.source === 'unknown');
  const taintSource = verdict.results.find((result) => result.trust === 'untrusted');
  let why: string;
  if (culprit) why = whereFrom(culprit, verdict);
  else if (taintSource) why = `the context holds untrusted content (the result of "${taintSource.tool}" in message ${taintSource.messageIndex}), and no argument names a target the user gave; declaring the tool (policies.toolDeclarations) says what it reaches`;
  else why = 'this session read untrusted content earlier, and no argument names a target the user gave';
  return { ...base, action: 'block', ruleId, reason: reason ?? `"${call.name}" was blocked: ${why}`, provenance };
}

function matchRule(call: ToolCallView, policy: PolicyConfig, declaration: ToolDeclaration | undefined): { action: ToolAction; ruleId: string; reason: string | undefined } {
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
  const byClass = declaration ? policy.consequences[declaration.consequence]?.action : undefined;
  if (byClass && declaration) return { action: byClass, ruleId: `consequence:${declaration.consequence}`, reason: undefined };
  return { action: policy.defaultToolAction, ruleId: 'default', reason: undefined };
}
