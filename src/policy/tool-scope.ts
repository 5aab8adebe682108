import type { ToolCallView, ToolDefinitionView } from '../providers/types.js';
import { safeParseJson } from '../providers/shared/json.js';
import type { ToolCallDecision } from './types.js';

/**
 * Tool scope: the tools a user's request needs, chosen once per session from the user's own
 * words and the tool list (nothing any tool returned is in the prompt, so no injection can widen
 * it), then every call to another tool is refused. The model may only answer with option numbers.
 */
export function scopePrompt(userRequest: string, tools: readonly ToolDefinitionView[]): { system: string; user: string } {
  const system = [
    'You decide which tools an assistant may use for a user\'s request.',
    'Pick every tool the request could need, and only those. The request may mention tools by what they do, not by name.',
    'Reply with JSON only: {"tools": [N, ...]}, the numbers of the tools; [] if it needs none.',
  ].join('\n');
  const list = tools.map((tool, index) => `${index}: ${tool.name}${tool.description ? ` - ${tool.description.slice(0, 300)}` : ''}`).join('\n');
  return { system, user: `The user's request:\n${userRequest || '(none)'}\n\nTools:\n${list}` };
}

/** The JSON schema of the answer, where the API can enforce one. */
export function scopeAnswerSchema(toolCount: number): Record<string, unknown> {
  const index = { type: 'integer', enum: Array.from({ length: toolCount }, (_, n) => n) };
  return { type: 'object', properties: { tools: { type: 'array', items: index } }, required: ['tools'], additionalProperties: false };
}

/** The tools the answer picks, or null when it is anything but `{"tools": [valid numbers]}`. */
export function parseScope(answer: string, tools: readonly ToolDefinitionView[]): string[] | null {
  const parsed = safeParseJson(answer.trim().replace(/^```(?:json)?\s*|\s*```$/g, ''));
  if (!parsed.success || parsed.value === null || typeof parsed.value !== 'object') return null;
  const picked = (parsed.value as { tools?: unknown }).tools;
  if (!Array.isArray(picked) || !picked.every((n) => Number.isInteger(n) && n >= 0 && n < tools.length)) return null;
  return [...new Set(picked.map((n: number) => tools[n]!.name))];
}

/** A call to a tool outside the session's scope is refused; null when it is inside. */
export function outOfScope(call: ToolCallView, scope: ReadonlySet<string>): ToolCallDecision | null {
  if (scope.has(call.name)) return null;
  const allowed = scope.size === 0 ? 'none could be determined for this request' : `this session may use ${[...scope].map((name) => `"${name}"`).join(', ')}`;
  return {
    kind: 'tool_call', toolCallId: call.id, tool: call.name, action: 'block', ruleId: 'tool_scope',
    reason: `"${call.name}" was blocked: it is not among the tools the user's request needs (${allowed}); if the user wants it, they can start a new session asking for it`,
  };
}
