import type { RequestView, ToolCallView } from '../providers/types.js';
import type { PolicyConfig } from './schema.js';
import { decideToolCall } from './tool-invocation.js';
import { breakTrifecta, quarantineCall } from './trifecta.js';
import { evaluateContext } from './trusted-data.js';
import type { ContextVerdict, ToolCallDecision } from './types.js';

/**
 * The policy engine's two entry points, both pure and synchronous. An exception inside a policy
 * is a denial, never a silent allow.
 */
export function judgeContext(view: RequestView, policy: PolicyConfig, sessionTainted: boolean): ContextVerdict {
  try {
    return evaluateContext(view, policy, sessionTainted);
  } catch {
    // Unable to tell what is trusted: treat everything as untrusted.
    return { tainted: true, taintedBySession: sessionTainted, results: [], trustedTexts: [], untrustedTexts: [], privateResults: [] };
  }
}

/**
 * Decides each tool call: quarantine (a tainted context allows no call), then the trifecta breaker
 * (which overrides `allow` rules), then the tool rules.
 */
export function judgeToolCalls(calls: readonly ToolCallView[], verdict: ContextVerdict, policy: PolicyConfig): ToolCallDecision[] {
  return calls.map((call) => {
    try {
      return quarantineCall(call, verdict, policy) ?? breakTrifecta(call, verdict, policy) ?? decideToolCall(call, verdict, policy);
    } catch {
      return { kind: 'tool_call', toolCallId: call.id, tool: call.name, action: 'block', ruleId: 'error', reason: `"${call.name}" was blocked: the policy could not be evaluated` };
    }
  });
}
