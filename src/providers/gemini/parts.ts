import { isRecord } from '../shared/json.js';
import type { ToolCallView, ToolResultView, Usage } from '../types.js';

/**
 * A field under its JSON name or its proto name: Google's REST API accepts both `systemInstruction`
 * and `system_instruction` (its own curl examples use the second), so a policy must read both.
 */
export function field(object: Record<string, unknown>, camel: string, snake: string): unknown {
  return object[camel] ?? object[snake];
}

/** What the parts of one `Content` say, as the policies read it. */
export interface PartsView {
  /** The text parts joined; thought summaries (`thought: true`) are not the answer and are left out. */
  text: string[];
  toolCalls: ToolCallView[];
  toolResults: ToolResultView[];
}

/** Reads `functionCall`, `functionResponse` and `text` parts (under either name). */
export function readParts(parts: unknown): PartsView {
  const view: PartsView = { text: [], toolCalls: [], toolResults: [] };
  if (!Array.isArray(parts)) return view;
  for (const part of parts) {
    if (!isRecord(part)) continue;
    if (typeof part.text === 'string' && part.thought !== true) view.text.push(part.text);
    const call = field(part, 'functionCall', 'function_call');
    if (isRecord(call)) view.toolCalls.push(toolCall(call));
    const response = field(part, 'functionResponse', 'function_response');
    if (isRecord(response)) view.toolResults.push(toolResult(response));
  }
  return view;
}

/** Gemini answers calls by name; a call carries an `id` only when the API gave one. */
function toolCall(call: Record<string, unknown>): ToolCallView {
  const name = typeof call.name === 'string' ? call.name : '';
  return { id: typeof call.id === 'string' && call.id !== '' ? call.id : name, name, arguments: JSON.stringify(call.args ?? {}) };
}

function toolResult(response: Record<string, unknown>): ToolResultView {
  const name = typeof response.name === 'string' ? response.name : '';
  const result: ToolResultView = { toolCallId: typeof response.id === 'string' && response.id !== '' ? response.id : name, text: JSON.stringify(response.response ?? {}) };
  if (name !== '') result.name = name;
  return result;
}

/**
 * `usageMetadata`: input is `promptTokenCount`; output is `candidatesTokenCount` plus
 * `thoughtsTokenCount` (thinking is billed as output, as OpenAI's `completion_tokens` counts
 * reasoning). Proto3 JSON leaves zero counts out, so a missing count in a present object is 0.
 */
export function readGeminiUsage(usage: unknown): Usage | undefined {
  if (!isRecord(usage)) return undefined;
  const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
  return {
    inputTokens: count(usage.promptTokenCount),
    outputTokens: count(usage.candidatesTokenCount) + count(usage.thoughtsTokenCount),
  };
}
