import type { SanitizeCache } from '../policy/dual-llm/cache.js';
import { type AskModel, sanitizeResult } from '../policy/dual-llm/sanitize.js';
import type { ToolResultReplacement } from '../policy/refusal.js';
import type { PolicyConfig } from '../policy/schema.js';
import type { DualLlmDecision, ToolResultDecision } from '../policy/types.js';
import type { ProviderAdapter, RequestView } from '../providers/types.js';
import type { AskThroughProxy } from './self-call.js';

export interface QuarantineInput {
  results: readonly ToolResultDecision[];
  view: RequestView;
  adapter: ProviderAdapter;
  policy: PolicyConfig;
  cache: SanitizeCache;
  /** Asks the model through this proxy (see `selfCaller`). */
  call: AskThroughProxy;
  /** Separates the cache entries of profiles with different rules. */
  profileId: string;
  /**
   * The caller's credential: outcomes are shared (and in-flight runs joined) only between calls
   * with the same one, so one client's abort or key never decides another's result. The cache
   * hashes its keys; the credential is never kept.
   */
  caller: string;
}

/**
 * The dual-LLM quarantine for the results marked `sanitize`: each result's stand-in (or, when it
 * cannot be sanitized, the note that it was withheld), by tool call id, with one decision each.
 * The results are handled in parallel.
 */
export async function quarantineResults(input: QuarantineInput): Promise<{ replacements: Map<string, ToolResultReplacement>; decisions: DualLlmDecision[] }> {
  const { view, adapter, policy } = input;
  const model = policy.dualLlm.model ?? view.model;
  const outcomes = await Promise.all(
    input.results.map(async (decision) => {
      const found = resultText(view, decision);
      const rule = policy.trustedData.find((candidate, index) => (candidate.id ?? `trustedData:${index}`) === decision.ruleId);
      const userRequest = lastUserText(view, decision.messageIndex);
      const encode = adapter.encodeTextRequest;
      const ask: AskModel = (role, prompt, answerSchema) => {
        if (!encode || !model) throw new Error(`the ${adapter.name} adapter cannot make its own model calls`);
        return input.call(encode({ model, ...prompt, ...(answerSchema ? { answerSchema } : {}) }), { kind: 'dual_llm_call', role, tool: decision.tool });
      };
      const sanitizeInput = { tool: decision.tool, result: found ?? '', userRequest, maxRounds: policy.dualLlm.maxRounds, ...(rule?.questions ? { questions: rule.questions } : {}) };
      const key = [input.profileId, input.caller, adapter.name, model, decision.tool, sanitizeInput.result, userRequest, rule?.questions ?? null, sanitizeInput.maxRounds];
      const { sanitized, cached } = await input.cache.get(key, () => sanitizeResult(sanitizeInput, ask));
      return { decision, sanitized, cached };
    }),
  );
  const replacements = new Map<string, ToolResultReplacement>();
  const decisions: DualLlmDecision[] = [];
  for (const { decision, sanitized, cached } of outcomes) {
    replacements.set(decision.toolCallId, { text: sanitized.text, withheld: sanitized.outcome === 'withheld' });
    decisions.push({ kind: 'dual_llm', toolCallId: decision.toolCallId, tool: decision.tool, ruleId: decision.ruleId, outcome: sanitized.outcome, cached, exchanges: sanitized.exchanges, reason: sanitized.reason });
  }
  return { replacements, decisions };
}

/** Shadow mode: the decisions the quarantine would take, without calling a model. */
export function shadowQuarantine(results: readonly ToolResultDecision[]): DualLlmDecision[] {
  return results.map((decision) => ({
    kind: 'dual_llm',
    toolCallId: decision.toolCallId,
    tool: decision.tool,
    ruleId: decision.ruleId,
    outcome: 'shadow',
    cached: false,
    exchanges: [],
    reason: 'the result would be handed to the dual-LLM quarantine (shadow mode)',
  }));
}

function resultText(view: RequestView, decision: ToolResultDecision): string | undefined {
  return view.messages.find((message) => message.index === decision.messageIndex)?.toolResults.find((result) => result.toolCallId === decision.toolCallId)?.text;
}

/** The user's last words before the result: what the agent is working on. */
function lastUserText(view: RequestView, before: number): string {
  for (let position = view.messages.length - 1; position >= 0; position--) {
    const message = view.messages[position];
    if (message && message.index <= before && message.role === 'user' && message.text) return message.text;
  }
  return '';
}
