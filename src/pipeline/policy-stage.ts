import { mayAskApproval } from '../policy/asks-approval.js';
import { continueVerdict } from '../policy/continuation.js';
import { outOfScope } from '../policy/tool-scope.js';
import { judgeContext, judgeToolCalls } from '../policy/engine.js';
import { type BlockedCall, blockedCalls } from '../policy/refusal.js';
import type { PolicyConfig } from '../policy/schema.js';
import type { ContextVerdict, ToolCallDecision, ToolResultDecision } from '../policy/types.js';
import type { RequestView, ResponseView, ToolCallView } from '../providers/types.js';
import type { AnswerContextRecord } from '../types.js';
import type { Recorder } from './record.js';
import type { AnswerMemory } from './answer-memory.js';
import type { ApprovalBook } from './approval-book.js';
import { approvalScope } from './approval-key.js';
import { type ApprovalGate, loadApprovalGate } from './approval-stage.js';
import type { TaintTracker } from './taint-tracker.js';

/** Judges the answers to one request. */
export interface ToolCallGuard {
  /** Judges the answer's tool calls; returns the calls to refuse (none in shadow mode). */
  judge(answer: ResponseView): BlockedCall[];
  /**
   * Called once the answer is over (judged or not: a stream may end early while the provider
   * keeps the response): an answer that can be read back by id has its context remembered.
   */
  remember(answer: ResponseView): void;
  /** Whether refusals take effect (`enforce`), or are only recorded (`shadow`). */
  readonly enforcing: boolean;
}

export interface RequestPolicyResult {
  guard: ToolCallGuard;
  /** Tool results the trusted-data rules block: removed before the model sees them. */
  blockedResultIds: string[];
  /** The context (or the session) holds untrusted content. */
  tainted: boolean;
  /** Tool results the trusted-data rules hand to the dual-LLM quarantine (in shadow mode too). */
  sanitizeResults: ToolResultDecision[];
}

/** For `require_approval`: the proxy's approvals, and the caller's credential (its hash may scope them). */
export interface ApprovalInput {
  book: ApprovalBook;
  caller: string;
}

/**
 * The request side of the policies: judges the context (and the session's history), records the
 * decisions, taints the session, and returns the guard for the answer's tool calls.
 */
export async function applyRequestPolicies(view: RequestView, policy: PolicyConfig, recorder: Recorder, taint: TaintTracker, memory: AnswerMemory, approvals?: ApprovalInput, scope?: ReadonlySet<string> | null): Promise<RequestPolicyResult | null> {
  if (policy.mode === 'off') return null;
  const sessionId = recorder.context.sessionId;
  const sessionTainted = sessionId ? await taint.isTainted(recorder.proxyId, sessionId) : false;
  let verdict = judgeContext(view, policy, sessionTainted);
  recorder.decisions.push(...verdict.results);
  if (view.continues !== undefined) {
    const continued = continueVerdict(verdict, (await memory.recall(recorder.proxyId, view.continues))?.verdict);
    verdict = continued.verdict;
    if (continued.unknown) recorder.decisions.push(continued.unknown);
  }
  if (verdict.tainted && sessionId && !sessionTainted) {
    const source = verdict.results.find((result) => result.trust === 'untrusted');
    await taint.markTainted(recorder.proxyId, sessionId, source ? `untrusted result of "${source.tool}"` : 'untrusted content');
  }
  const hasTools = view.tools.length > 0 || (view.hostedTools?.length ?? 0) > 0;
  // Loaded now, as the guard that judges the answer is synchronous. In shadow mode nothing is held,
  // so no approval is made or used: the decisions say what the policy asked for.
  const gate = approvals && policy.mode === 'enforce' && mayAskApproval(policy)
    ? await loadApprovalGate({ book: approvals.book, proxyId: recorder.proxyId, scope: approvalScope(recorder, approvals.caller), policy, interactionId: recorder.id })
    : null;
  return {
    tainted: verdict.tainted,
    blockedResultIds: policy.mode === 'enforce' ? verdict.results.filter((result) => result.trust === 'blocked').map((result) => result.toolCallId) : [],
    sanitizeResults: verdict.results.filter((result) => result.trust === 'sanitize'),
    guard: answerGuard({ verdict, hasTools, refused: [] }, policy, recorder, memory, gate, scope ?? null),
  };
}

/**
 * For an answer read back by id (`GET /responses/{id}`, a resumed stream, a cancel): judged in the
 * context it was made in, and the calls refused then are refused again. An answer the proxy has
 * no record of was made elsewhere: it is judged as untrusted. No approval is made or used there: a
 * call that needs one stays refused (the agent's next call of its own asks for it).
 */
export async function readBackGuard(answerId: string, policy: PolicyConfig, recorder: Recorder, memory: AnswerMemory): Promise<ToolCallGuard | null> {
  if (policy.mode === 'off') return null;
  const context = await memory.recall(recorder.proxyId, answerId);
  return context ? answerGuard(context, policy, recorder, memory) : unknownAnswerGuard(policy, recorder);
}

/** Made around the proxy (or forgotten): what the model had read is unknown, so no call of it goes out. */
function unknownAnswerGuard(policy: PolicyConfig, recorder: Recorder): ToolCallGuard {
  return {
    enforcing: policy.mode === 'enforce',
    judge(answer) {
      const decisions = answer.toolCalls.map((call): ToolCallDecision => ({
        kind: 'tool_call', toolCallId: call.id, tool: call.name, action: 'block', ruleId: 'unknown_answer',
        reason: `"${call.name}" was refused: this proxy has no record of the request that made this response, so it cannot tell what the model had read`,
      }));
      recorder.decisions.push(...decisions);
      return policy.mode === 'enforce' ? blockedCalls(decisions) : [];
    },
    remember() {},
  };
}

function answerGuard(context: AnswerContextRecord, policy: PolicyConfig, recorder: Recorder, memory: AnswerMemory, gate: ApprovalGate | null = null, scope: ReadonlySet<string> | null = null): ToolCallGuard {
  const { verdict, hasTools } = context;
  const enforce = policy.mode === 'enforce';
  let refused = context.refused;
  return {
    enforcing: enforce,
    judge(answer) {
      const hosted = answer.hostedCalls ?? [];
      for (const tool of hosted) recorder.decisions.push({ kind: 'hosted_tool', tool });
      if (answer.toolCalls.length === 0) return [];
      // A hosted tool (a web search, a fetched page) read outside content inside this very answer:
      // the calls it made next to it are judged as in a tainted context.
      const judged = hosted.length > 0 && !verdict.tainted ? taintedByHostedCall(verdict, hosted) : verdict;
      const decisions = answer.toolCalls.map((call) => {
        const decision = (call.unknownShape ? unknownShape(call, hasTools, policy) : null) ?? (scope ? outOfScope(call, scope) : null) ?? judgeToolCalls([call], judged, policy)[0]!;
        return gate ? gate.settle(decision, call) : decision;
      });
      recorder.decisions.push(...decisions);
      if (!enforce) return [];
      // A call refused when the answer was first judged stays refused, whatever the policy says now.
      const own = blockedCalls(decisions);
      const earlier = refused.filter((call) => answer.toolCalls.some((seen) => seen.id === call.toolCallId) && !own.some((mine) => mine.toolCallId === call.toolCallId));
      refused = [...refused, ...own.filter((mine) => !refused.some((call) => call.toolCallId === mine.toolCallId))];
      return [...own, ...earlier];
    },
    remember(answer) {
      if (!answer.id) return;
      // What a hosted tool read inside the answer is part of the context a continuation inherits.
      const hosted = answer.hostedCalls ?? [];
      const remembered: AnswerContextRecord = { verdict: hosted.length > 0 && !verdict.tainted ? taintedByHostedCall(verdict, hosted) : verdict, hasTools, refused };
      recorder.answerId = answer.id;
      recorder.answerContext = remembered;
      memory.remember(recorder.proxyId, answer.id, remembered);
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
