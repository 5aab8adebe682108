import { judgeContext, judgeToolCalls } from '../policy/engine.js';
import { type BlockedCall, blockedCalls } from '../policy/refusal.js';
import type { PolicyConfig } from '../policy/schema.js';
import type { ContextVerdict, ToolCallDecision, ToolResultDecision } from '../policy/types.js';
import type { RequestView, ResponseView, ToolCallView } from '../providers/types.js';
import type { Recorder } from './record.js';
import type { RefusalMemory } from './refusal-memory.js';
import type { TaintTracker } from './taint-tracker.js';

/** Judges the tool calls of one answer; returns the calls to refuse (none in shadow mode). */
export type ToolCallGuard = (answer: ResponseView) => BlockedCall[];

export interface RequestPolicyResult {
  guard: ToolCallGuard;
  /** The request declares tools: only then can its answer call one, and only then is it guarded. */
  hasTools: boolean;
  /** Tool results the trusted-data rules block: removed before the model sees them. */
  blockedResultIds: string[];
  /** The context (or the session) holds untrusted content. */
  tainted: boolean;
  /** Tool results the trusted-data rules hand to the dual-LLM quarantine (in shadow mode too). */
  sanitizeResults: ToolResultDecision[];
}

/**
 * The request side of the policies: judges the context (and the session's history), records the
 * decisions, taints the session, and returns the guard for the answer's tool calls.
 */
export async function applyRequestPolicies(view: RequestView, policy: PolicyConfig, recorder: Recorder, taint: TaintTracker, memory: RefusalMemory): Promise<RequestPolicyResult | null> {
  if (policy.mode === 'off') return null;
  // Without declared tools the answer has no call to judge; the context is still judged for taint.
  const sessionId = recorder.context.sessionId;
  const sessionTainted = sessionId ? await taint.isTainted(recorder.proxyId, sessionId) : false;
  const verdict = judgeContext(view, policy, sessionTainted);
  recorder.decisions.push(...verdict.results);
  if (verdict.tainted && sessionId && !sessionTainted) {
    const source = verdict.results.find((result) => result.trust === 'untrusted');
    await taint.markTainted(recorder.proxyId, sessionId, source ? `untrusted result of "${source.tool}"` : 'untrusted content');
  }
  const enforce = policy.mode === 'enforce';
  const hasTools = view.tools.length > 0 || (view.hostedTools?.length ?? 0) > 0;
  return {
    hasTools,
    tainted: verdict.tainted,
    blockedResultIds: enforce ? verdict.results.filter((result) => result.trust === 'blocked').map((result) => result.toolCallId) : [],
    sanitizeResults: verdict.results.filter((result) => result.trust === 'sanitize'),
    guard(answer) {
      const hosted = answer.hostedCalls ?? [];
      for (const tool of hosted) recorder.decisions.push({ kind: 'hosted_tool', tool });
      if (answer.toolCalls.length === 0) return [];
      // A hosted tool (a web search, a fetched page) read outside content inside this very answer:
      // the calls it made next to it are judged as in a tainted context.
      const context = hosted.length > 0 && !verdict.tainted ? taintedByHostedCall(verdict, hosted) : verdict;
      const decisions = answer.toolCalls.map((call) => (call.unknownShape ? unknownShape(call, hasTools, policy) : null) ?? judgeToolCalls([call], context, policy)[0]!);
      recorder.decisions.push(...decisions);
      const blocked = enforce ? blockedCalls(decisions) : [];
      if (blocked.length > 0 && answer.id) memory.remember(recorder.proxyId, answer.id, blocked);
      return blocked;
    },
  };
}

function taintedByHostedCall(verdict: ContextVerdict, hosted: readonly string[]): ContextVerdict {
  const results = hosted.map((tool): ToolResultDecision => ({ kind: 'tool_result', toolCallId: '', tool, trust: 'untrusted', ruleId: 'hosted_tool', messageIndex: -1 }));
  return { ...verdict, tainted: true, results: [...verdict.results, ...results] };
}

/**
 * A call item of a type the proxy does not know may carry an action it cannot judge: refused when
 * the request declared tools (and `unknownToolCalls` is not `judge`), judged by its type otherwise.
 */
function unknownShape(call: ToolCallView, hasTools: boolean, policy: PolicyConfig): ToolCallDecision | null {
  if (!hasTools || policy.unknownToolCalls === 'judge') return null;
  return { kind: 'tool_call', toolCallId: call.id, tool: call.name, action: 'block', ruleId: 'unknown_shape', reason: `"${call.name}" is a kind of tool call the security proxy cannot read yet, so it was refused` };
}

/** For an answer read back by id: the calls refused when it was made are refused again. */
export function recallGuard(refused: readonly BlockedCall[]): ToolCallGuard {
  return (answer) => (answer.toolCalls.length > 0 ? [...refused] : []);
}
