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
    if (!isRecord(call) || !isRecord(call.function)) return [];
    const { name, arguments: args } = call.function;
    const toolName = typeof name === 'string' ? name : '';
    const id = typeof call.id === 'string' && call.id !== '' ? call.id : toolName !== '' ? toolName : `call_${firstIndex + offset}`;
    return [{ id, name: toolName, arguments: argumentsText(args) }];
  });
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
