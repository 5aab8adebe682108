import { withheldResults } from '../policy/refusal.js';
import type { PolicyConfig } from '../policy/schema.js';
import type { ProviderAdapter, RequestView } from '../providers/types.js';
import { guardDataLeak } from './data-leak-stage.js';
import { type QuarantineInput, quarantineResults, shadowQuarantine } from './dual-llm-stage.js';
import { type ApprovalInput, type ToolCallGuard, applyRequestPolicies } from './policy-stage.js';
import type { Recorder } from './record.js';
import type { AnswerMemory } from './answer-memory.js';
import type { TaintTracker } from './taint-tracker.js';
import { type ScopeBook, sessionScope } from './tool-scope-stage.js';

export interface BodyPolicyInput {
  view: RequestView;
  /** The decoded request body; changed in place when a policy rewrites it. */
  json: Record<string, unknown>;
  operation: string;
  adapter: ProviderAdapter;
  policy: PolicyConfig;
  recorder: Recorder;
  taint: TaintTracker;
  answers: AnswerMemory;
  /** For results marked `sanitize`: the quarantine's cache and a way to ask the model through this proxy. */
  dualLlm: Pick<QuarantineInput, 'cache' | 'call' | 'profileId' | 'caller'>;
  /** For calls that need a person's approval. */
  approvals?: ApprovalInput;
  /** The sessions' tool scopes (`toolScope`). */
  scopes?: ScopeBook;
}

export type BodyPolicyResult =
  | { kind: 'reject'; status: 400 | 403; message: string; type: string }
  /** `changed`: the body must be re-serialized; `guard` judges the answer's tool calls; `tainted`: the context (or session) holds untrusted content. */
  | { kind: 'forward'; guard: ToolCallGuard | null; changed: boolean; tainted: boolean };

/**
 * The request side of the policies, in order: trusted data and taint (blocked tool results
 * removed, `sanitize` ones replaced by the dual-LLM quarantine's stand-in), quarantine (a tainted
 * request loses its tools), and the data-leak guard. Shadow mode
 * records every decision and works on copies, so what goes upstream is what the client sent.
 */
export async function applyBodyPolicies(input: BodyPolicyInput): Promise<BodyPolicyResult> {
  const { view, json, operation, adapter, policy, recorder } = input;
  const scope = input.scopes ? await sessionScope({ view, adapter, policy, recorder, book: input.scopes, call: input.dualLlm.call }) : null;
  const policies = await applyRequestPolicies(view, policy, recorder, input.taint, input.answers, input.approvals, scope);
  // Every answer's calls are judged, declared tools or not: an upstream may answer with a call anyway.
  const guard = policies?.guard ?? null;
  let changed = false;
  const enforce = policy.mode === 'enforce';
  const replacements = withheldResults(policies?.blockedResultIds ?? []);
  if (policies && policies.sanitizeResults.length > 0) {
    if (enforce) {
      const quarantined = await quarantineResults({ results: policies.sanitizeResults, view, adapter, policy, ...input.dualLlm });
      for (const [id, replacement] of quarantined.replacements) replacements.set(id, replacement);
      recorder.decisions.push(...quarantined.decisions);
    } else recorder.decisions.push(...shadowQuarantine(policies.sanitizeResults));
  }
  if (replacements.size > 0) {
    // A blocked or quarantined tool result never reaches the model; an adapter that cannot replace it refuses the request.
    if (!adapter.replaceToolResults?.(operation, json, replacements)) {
      return { kind: 'reject', status: 403, message: 'A tool result in this request is blocked by the security policy.', type: 'permission_error' };
    }
    changed = true;
  }
  if (policies?.tainted && policy.quarantine) {
    // Quarantine: a tainted request goes upstream without tools (the guard still refuses any call).
    const target = enforce ? json : structuredClone(json);
    if (adapter.stripTools?.(operation, target)) {
      const reason = enforce ? 'the context holds untrusted content: the upstream request may not call tools' : 'the context holds untrusted content: the upstream request would not be allowed to call tools (shadow mode)';
      recorder.decisions.push({ kind: 'quarantine', ruleId: 'quarantine', reason });
      if (enforce) changed = true;
    }
  }
  if (policy.mode !== 'off') {
    const scanned = enforce ? json : structuredClone(json);
    const leak = guardDataLeak(scanned, policy.dataLeak, 'request', recorder);
    // The audit row never keeps what the guards found, whatever the mode.
    if (leak.action !== 'allow') recorder.setRequestBody(JSON.stringify(scanned));
    if (enforce && leak.action === 'block') {
      return { kind: 'reject', status: 400, message: `The request was blocked by the security policy: it contains ${leak.blockedBy.join(', ')} data.`, type: 'invalid_request_error' };
    }
    if (enforce && leak.action === 'redact') changed = true;
  }
  return { kind: 'forward', guard, changed, tainted: policies?.tainted ?? false };
}
