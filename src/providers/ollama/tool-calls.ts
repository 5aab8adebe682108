import { createIdSpace } from '../shared/id-space.js';
import { isRecord } from '../shared/json.js';
import type { ToolCallView } from '../types.js';

/** The positional id of the n-th call of an answer (counted across the lines of a stream). */
export const answerCallId = (n: number) => `#0.${n}`;

/** The positional id of the n-th call of `messages[message]` in a request's history. */
export const historyCallId = (message: number, n: number) => `#call:${message}.${n}`;

/** The positional id of the tool result `messages[message]`. */
export const resultId = (message: number) => `#result:${message}`;

/**
 * Ollama's tool calls: `[{ id?, function: { index?, name, arguments: {...} } }]`. The arguments
 * are a JSON object, not JSON text as in OpenAI's format: the view holds them as JSON text. An
 * entry without a `function` object is a kind of call this proxy does not know: it is an action
 * of unknown shape, named by its `type` (or `tool_call`), refused by default.
 */
export function readToolCalls(toolCalls: unknown, idOf: (call: unknown, n: number) => string): ToolCallView[] {
  if (!Array.isArray(toolCalls)) return [];
  return toolCalls.map((call, n): ToolCallView => {
    const id = idOf(call, n);
    if (!isRecord(call) || !isRecord(call.function)) {
      const type = isRecord(call) && typeof call.type === 'string' && call.type !== '' ? call.type : 'tool_call';
      return { id, name: type, arguments: JSON.stringify(call) ?? '', unknownShape: true };
    }
    const { name, arguments: args } = call.function;
    return { id, name: typeof name === 'string' ? name : '', arguments: argumentsText(args) };
  });
}

/**
 * The ids of an answer's calls, in order (JSON answer, or the lines of a stream): the refusal
 * encoders find the refused calls by them. `call` is one `tool_calls` entry.
 */
export function createAnswerIds(): (call: unknown) => string {
  const idOf = createIdSpace();
  let count = 0;
  return (call) => idOf(isRecord(call) ? call.id : undefined, answerCallId(count++));
}

/**
 * The id a tool result (`messages[message]`, a `role: 'tool'` message) is known by: its
 * `tool_call_id` (newer servers) when usable, else its position.
 */
export function toolResultId(message: Record<string, unknown>, index: number, idOf: (own: unknown, positional: string) => string): string {
  return idOf(message.tool_call_id, resultId(index));
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
