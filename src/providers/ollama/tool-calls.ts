import { isRecord } from '../shared/json.js';
import type { ToolCallView } from '../types.js';

/**
 * Ollama's tool calls: `[{ id?, function: { index?, name, arguments: {...} } }]`. The arguments
 * are a JSON object, not JSON text as in OpenAI's format: the view holds them as JSON text.
 *
 * Older servers give calls no `id`, and tool results answer by `tool_name`: a call without an id
 * is then known by its name (as Gemini's are), so that its result can be matched to it; a call
 * with neither gets an id from its position.
 */
export function readToolCalls(toolCalls: unknown, firstIndex = 0): ToolCallView[] {
  if (!Array.isArray(toolCalls)) return [];
  return toolCalls.flatMap((call, offset): ToolCallView[] => {
    const id = toolCallId(call, firstIndex + offset);
    if (id === undefined || !isRecord(call) || !isRecord(call.function)) return [];
    const { name, arguments: args } = call.function;
    return [{ id, name: typeof name === 'string' ? name : '', arguments: argumentsText(args) }];
  });
}

/**
 * The id the view gives the call at `position` (its own id, else its name, else `call_<position>`);
 * undefined for an entry that is no call. The refusal encoders find the refused calls by it.
 */
export function toolCallId(call: unknown, position: number): string | undefined {
  if (!isRecord(call) || !isRecord(call.function)) return undefined;
  const { name } = call.function;
  if (typeof call.id === 'string' && call.id !== '') return call.id;
  return typeof name === 'string' && name !== '' ? name : `call_${position}`;
}

/**
 * The id a tool result (a `role: 'tool'` message) answers: its `tool_call_id` (newer servers),
 * else the tool's name (`tool_name`, or the older `name`), else ''.
 */
export function toolResultId(message: Record<string, unknown>): string {
  if (typeof message.tool_call_id === 'string') return message.tool_call_id;
  return toolResultName(message) ?? '';
}

/** The tool's name a tool result gives: `tool_name`, or the older `name`. */
export function toolResultName(message: Record<string, unknown>): string | undefined {
  return typeof message.tool_name === 'string' ? message.tool_name : typeof message.name === 'string' ? message.name : undefined;
}

/** Arguments as JSON text: an object is serialized; text (some clients send it) is kept. */
function argumentsText(args: unknown): string {
  if (typeof args === 'string') return args;
  if (args === undefined) return '';
  return JSON.stringify(args) ?? '';
}

/** The message of an error body or stream line: `{ "error": "..." }`. */
export function errorMessage(error: unknown): string {
  if (typeof error === 'string' && error !== '') return error;
  if (isRecord(error) && typeof error.message === 'string') return error.message;
  return 'upstream stream error';
}
