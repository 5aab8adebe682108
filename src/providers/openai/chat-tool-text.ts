import { isRecord } from '../shared/json.js';
import { arrayIndex, FUNCTION_CALL } from './chat-stream-calls.js';

/**
 * The text pieces of tool calls in a Chat Completions stream delta, as data-leak redaction sees
 * them, one channel per call: `tool:<i>:<j>` (function arguments of choice i's call j),
 * `tool:<i>:<j>:input` (a custom tool's input), `tool:<i>:function_call` (the legacy
 * `function_call`'s arguments). Calls are keyed as the SDK keys them (`"1"` is call 1).
 */
export interface ToolTextPiece {
  channel: string;
  /** The object holding the text, and the text's field in it. */
  holder: Record<string, unknown>;
  field: 'arguments' | 'input';
}

export function toolTextPieces(delta: Record<string, unknown>, choice: string): ToolTextPiece[] {
  const pieces: ToolTextPiece[] = [];
  const parts = Array.isArray(delta.tool_calls) ? delta.tool_calls : [];
  parts.forEach((part, position) => {
    if (!isRecord(part)) return;
    const j = arrayIndex(part.index) ?? String(position);
    if (isRecord(part.function) && typeof part.function.arguments === 'string') pieces.push({ channel: `tool:${choice}:${j}`, holder: part.function, field: 'arguments' });
    if (isRecord(part.custom) && typeof part.custom.input === 'string') pieces.push({ channel: `tool:${choice}:${j}:input`, holder: part.custom, field: 'input' });
  });
  const { function_call: functionCall } = delta;
  if (isRecord(functionCall) && typeof functionCall.arguments === 'string') pieces.push({ channel: `tool:${choice}:${FUNCTION_CALL}`, holder: functionCall, field: 'arguments' });
  return pieces;
}

/** Adds a channel's held-back tail to `delta`, in the shape of the call it belongs to. */
export function appendToolTail(delta: Record<string, unknown>, channel: string, tail: string): void {
  const [, , slot = '', field] = channel.split(':');
  if (slot === FUNCTION_CALL) {
    const call = isRecord(delta.function_call) ? delta.function_call : (delta.function_call = {});
    call.arguments = `${typeof call.arguments === 'string' ? call.arguments : ''}${tail}`;
    return;
  }
  const [shape, key] = field === 'input' ? ['custom', 'input'] : ['function', 'arguments'];
  const list: unknown[] = Array.isArray(delta.tool_calls) ? delta.tool_calls : (delta.tool_calls = []);
  const part = list.find((candidate, position) => isRecord(candidate) && (arrayIndex(candidate.index) ?? String(position)) === slot);
  if (!isRecord(part)) {
    list.push({ index: Number(slot), [shape]: { [key]: tail } });
    return;
  }
  const holder = isRecord(part[shape]) ? part[shape] : (part[shape] = {});
  holder[key] = `${typeof holder[key] === 'string' ? holder[key] : ''}${tail}`;
}

/** Whether tool-call deltas carry nothing but empty text (once their held-back text is gone). */
export function toolDeltaIsEmpty(field: string, value: unknown): boolean {
  if (field === 'function_call') return isRecord(value) && onlyEmpty(value, 'arguments');
  if (field !== 'tool_calls' || !Array.isArray(value)) return false;
  return value.every((part) => isRecord(part) && Object.entries(part).every(([name, piece]) => name === 'index' || (name === 'function' && onlyEmpty(piece, 'arguments')) || (name === 'custom' && onlyEmpty(piece, 'input'))));
}

function onlyEmpty(value: unknown, field: string): boolean {
  return isRecord(value) && Object.entries(value).every(([key, text]) => key === field && text === '');
}
