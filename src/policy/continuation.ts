import type { ContextVerdict, ToolResultDecision } from './types.js';

/**
 * A request that continues a stored answer (the Responses API's `previous_response_id`) carries
 * that answer's context: what was untrusted then is untrusted now, and the user's earlier words
 * are still theirs. An answer the proxy has no record of may hold anything: untrusted.
 */
export function continueVerdict(verdict: ContextVerdict, earlier: ContextVerdict | undefined): { verdict: ContextVerdict; unknown: ToolResultDecision | null } {
  if (!earlier) {
    const unknown: ToolResultDecision = { kind: 'tool_result', toolCallId: '', tool: 'previous_response_id', trust: 'untrusted', ruleId: 'unknown_answer', messageIndex: 0 };
    return { verdict: { ...verdict, tainted: true, results: [unknown, ...verdict.results] }, unknown };
  }
  return {
    verdict: {
      tainted: verdict.tainted || earlier.tainted,
      taintedBySession: verdict.taintedBySession || earlier.taintedBySession,
      results: [...earlier.results, ...verdict.results],
      trustedTexts: [...earlier.trustedTexts, ...verdict.trustedTexts],
      untrustedTexts: [...earlier.untrustedTexts, ...verdict.untrustedTexts],
      privateResults: [...earlier.privateResults, ...verdict.privateResults],
    },
    unknown: null,
  };
}
