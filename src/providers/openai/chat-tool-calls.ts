import { isRecord } from '../shared/json.js';
import type { ToolCallView } from '../types.js';

/**
 * The tool calls of one Chat Completions message (an answer's `message`, or an assistant message
 * in a request's history), in every shape the API has: `tool_calls` entries of `type: 'function'`
 * (`function: { name, arguments }`) and `type: 'custom'` (`custom: { name, input }`), and the
 * legacy `function_call: { name, arguments }`. An entry of another type, or one that cannot be
 * read as its type says, is a call of an unknown shape (refused by default), never skipped.
 */

/** Where a call sits in its message, so that a refusal encoder can take exactly it out. */
export type CallSlot =
  | { field: 'tool_calls'; position: number }
  /** A `tool_calls` that is not a list: the whole field is one unreadable call. */
  | { field: 'tool_calls_field' }
  | { field: 'function_call' };

export interface MessageCall {
  slot: CallSlot;
  view: ToolCallView;
}

/** Picks a call's id: its own, or the positional one it is handed (see `createCallIds`). */
export type CallIds = (own: unknown, positional: string) => string;

/**
 * Ids for the calls of one answer (or one request): a call's own id when it is a non-empty
 * string, does not start with `#` and was not given to an earlier call; otherwise its positional
 * id (`#...`), which the refusal encoders recompute. So a call without an id, with a null,
 * numeric or duplicate one, is still known and removed alone.
 */
export function createCallIds(): CallIds {
  const taken = new Set<string>();
  return (own, positional) => {
    if (typeof own !== 'string' || own === '' || own.startsWith('#') || taken.has(own)) return positional;
    taken.add(own);
    return own;
  };
}

/** The calls of `message`; a call's positional id is `<prefix>.<position>` (`<prefix>.function_call`, ...). */
export function readMessageCalls(message: Record<string, unknown>, prefix: string, ids: CallIds): MessageCall[] {
  const calls: MessageCall[] = [];
  const { tool_calls: toolCalls, function_call: functionCall } = message;
  if (Array.isArray(toolCalls)) {
    toolCalls.forEach((entry, position) => {
      const id = ids(isRecord(entry) ? entry.id : undefined, `${prefix}.${position}`);
      calls.push({ slot: { field: 'tool_calls', position }, view: { id, ...readEntry(entry) } });
    });
  } else if (toolCalls !== undefined && toolCalls !== null) {
    calls.push({ slot: { field: 'tool_calls_field' }, view: unknownShape(`${prefix}.tool_calls`, 'tool_calls', toolCalls) });
  }
  if (functionCall !== undefined && functionCall !== null) {
    const id = `${prefix}.function_call`;
    const fn = readNamed(functionCall, 'name', 'arguments');
    calls.push({ slot: { field: 'function_call' }, view: fn ? { id, ...fn } : unknownShape(id, 'function_call', functionCall) });
  }
  return calls;
}

type CallBody = Omit<ToolCallView, 'id'>;

function readEntry(entry: unknown): CallBody {
  if (!isRecord(entry)) return unknownBody('unknown', entry);
  const { type } = entry;
  const untyped = type === undefined || type === null;
  // Without a type, an entry with both shapes is whichever the application's code takes it for.
  if (untyped && isRecord(entry.function) && isRecord(entry.custom)) return unknownBody('unknown', entry);
  if (type === 'function' || (untyped && isRecord(entry.function))) return readNamed(entry.function, 'name', 'arguments') ?? unknownBody('function', entry);
  if (type === 'custom' || (untyped && isRecord(entry.custom))) return readNamed(entry.custom, 'name', 'input') ?? unknownBody('custom', entry);
  return unknownBody(typeof type === 'string' && type !== '' ? type : 'unknown', entry);
}

/** `{ [nameKey]: string, [argsKey]: text }`, or undefined when it is not that. */
function readNamed(value: unknown, nameKey: string, argsKey: string): CallBody | undefined {
  if (!isRecord(value) || typeof value[nameKey] !== 'string') return undefined;
  return { name: value[nameKey], arguments: argumentsText(value[argsKey]) };
}

/** Arguments as text: JSON text as the API sends it; an object (some servers send one) serialized. */
export function argumentsText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  return JSON.stringify(value) ?? '';
}

function unknownBody(name: string, value: unknown): CallBody {
  return { name, arguments: argumentsText(value), unknownShape: true };
}

function unknownShape(id: string, name: string, value: unknown): ToolCallView {
  return { id, ...unknownBody(name, value) };
}

/**
 * The id each tool result of a request answers, by message index: a `role: 'tool'` message's
 * `tool_call_id` when it is a usable id (see `createCallIds`), else `#r<message index>` (a legacy
 * `role: 'function'` result, a missing, numeric or repeated `tool_call_id`). The request decoder
 * and `replaceChatToolResults` both use it, so a replacement always finds its result.
 */
export function toolResultIds(messages: readonly unknown[]): Map<number, string> {
  const ids = createCallIds();
  const byIndex = new Map<number, string>();
  messages.forEach((message, index) => {
    if (!isRecord(message) || (message.role !== 'tool' && message.role !== 'function')) return;
    byIndex.set(index, ids(message.role === 'tool' ? message.tool_call_id : undefined, `#r${index}`));
  });
  return byIndex;
}
