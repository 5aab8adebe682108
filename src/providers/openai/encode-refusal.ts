import { REMOVED_RESULT_TEXT, type ToolResultReplacement } from '../../policy/refusal.js';
import type { BlockedCall } from '../../policy/refusal.js';
import { refusalText } from '../../policy/refusal.js';
import { isRecord } from '../shared/json.js';
import { toolResultIds } from './chat-tool-calls.js';
import { answerCalls } from './decode-response.js';

/**
 * Removes refused tool calls from a Chat Completions response and says why in the assistant's
 * text. Calls are found by the ids the answer's view gave them (their own, or `#<choice>.<slot>`
 * for one without a usable id), so a refused call goes whatever it lacks: a `tool_calls` entry of
 * any type, the legacy `function_call`, a `tool_calls` that is no list. With no call left, the
 * choice is a plain message (`finish_reason: 'stop'`). Undefined (the answer is then refused
 * whole) when a refused call cannot be found.
 */
export function refuseChatResponse(json: unknown, blocked: readonly BlockedCall[]): unknown | undefined {
  if (!isRecord(json) || !Array.isArray(json.choices)) return undefined;
  const refused = new Set(blocked.map((call) => call.toolCallId));
  const gone = answerCalls(json.choices).filter((call) => refused.has(call.view.id));
  if (gone.length < refused.size) return undefined;
  const text = refusalText(blocked);
  json.choices.forEach((choice, position) => {
    const slots = gone.filter((call) => call.choice === position).map((call) => call.slot);
    if (slots.length === 0 || !isRecord(choice) || !isRecord(choice.message)) return;
    const message = choice.message;
    const positions = new Set(slots.flatMap((slot) => (slot.field === 'tool_calls' ? [slot.position] : [])));
    if (slots.some((slot) => slot.field === 'tool_calls_field')) delete message.tool_calls;
    else if (positions.size > 0 && Array.isArray(message.tool_calls)) {
      const kept = message.tool_calls.filter((_, index) => !positions.has(index));
      if (kept.length > 0) message.tool_calls = kept;
      else delete message.tool_calls;
    }
    if (slots.some((slot) => slot.field === 'function_call')) delete message.function_call;
    message.content = typeof message.content === 'string' && message.content ? `${message.content}\n\n${text}` : text;
    const callsLeft = (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) || (message.function_call !== undefined && message.function_call !== null);
    if (!callsLeft) choice.finish_reason = 'stop';
  });
  return json;
}

/**
 * Replaces tool results (`role: 'tool'` and legacy `role: 'function'` messages) in a Chat
 * Completions request, by the id the request's view gave each (`toolResultIds`: a result without
 * a usable `tool_call_id` is `#r<message index>`). False when a replacement finds no result: the
 * request is then refused, never forwarded with the raw result.
 */
export function replaceChatToolResults(json: Record<string, unknown>, replacements: ReadonlyMap<string, ToolResultReplacement>): boolean {
  if (!Array.isArray(json.messages)) return false;
  const messages = json.messages as unknown[];
  const placed = new Set<string>();
  for (const [index, id] of toolResultIds(messages)) {
    const message = messages[index];
    const replacement = replacements.get(id);
    if (!replacement || !isRecord(message)) continue;
    message.content = replacement.text;
    placed.add(id);
  }
  return [...replacements.keys()].every((id) => placed.has(id));
}

export { refuseChatStream } from './encode-stream-refusal.js';
export { REMOVED_RESULT_TEXT };
