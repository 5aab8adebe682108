import type { ToolCallDecision } from './types.js';

/** A tool call the policy refused, as the refusal encoders need it. */
export interface BlockedCall {
  toolCallId: string;
  tool: string;
  reason: string;
}

/** The calls an answer must not carry: refused ones, and those still waiting for approval. */
export function blockedCalls(decisions: readonly ToolCallDecision[]): BlockedCall[] {
  return decisions.filter((decision) => decision.action !== 'allow').map(({ toolCallId, tool, reason }) => ({ toolCallId, tool, reason }));
}

/**
 * The assistant text that replaces refused tool calls: it says which call was blocked and why,
 * so the agent (and the person behind it) can tell a policy from a failure.
 */
export function refusalText(blocked: readonly BlockedCall[]): string {
  const lines = blocked.map((call) => `- ${call.tool}: ${call.reason}`);
  return `[Archestra] ${blocked.length === 1 ? 'A tool call was' : `${blocked.length} tool calls were`} blocked by the security policy:\n${lines.join('\n')}`;
}

/** What a model sees instead of a tool result the trusted-data rules block. */
export const REMOVED_RESULT_TEXT = '[Archestra] This tool result was removed by the security policy.';

/**
 * What replaces one tool result in a request: `withheld` when the result was removed (the
 * formats that can say so mark it as an error), else a stand-in the model may use (the
 * dual-LLM quarantine's answers).
 */
export interface ToolResultReplacement {
  text: string;
  withheld: boolean;
}

/** The replacements for results removed by policy, by tool call id. */
export function withheldResults(toolCallIds: readonly string[]): Map<string, ToolResultReplacement> {
  return new Map(toolCallIds.map((id) => [id, { text: REMOVED_RESULT_TEXT, withheld: true }]));
}
