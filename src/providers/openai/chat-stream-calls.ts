import { isRecord } from '../shared/json.js';
import type { ToolCallView } from '../types.js';
import { argumentsText, createCallIds } from './chat-tool-calls.js';

/**
 * The tool calls of a Chat Completions stream, assembled the way the openai SDK's
 * `ChatCompletionStream` does (`#accumulateChatCompletion`), so the proxy judges what the SDK
 * hands the application:
 * - a choice is `choices[choice.index]` and a call `tool_calls[part.index]` of a JS array: an
 *   index sent as the string `"1"` is call 1; one that is no array index (missing, `null`, `-1`,
 *   `1.5`, `"01"`) lands beside the array, where the SDK's final completion drops it while the raw
 *   chunks still carry it. Such a delta cannot be placed: the stream is refused (`unreadable`).
 * - the id and the type are the last ones sent; argument pieces (and a custom tool's input
 *   pieces) are joined; the name is replaced by each non-empty one. Other clients join names or
 *   keep the first, so a call whose name pieces differ is refused rather than guessed.
 * - `delta.function_call` (legacy) is one call per choice, assembled the same way.
 * A call that mixes shapes (a function and a custom tool) is refused too; a call of an unknown
 * type is kept as a call of unknown shape (refused by default).
 */

/** The slot of a choice's legacy `function_call`; its tool calls' slots are their array indexes. */
export const FUNCTION_CALL = 'function_call';

interface Named {
  names: Set<string>;
  pieces: string[];
}

interface AssembledCall {
  choice: string;
  slot: string;
  ids: Set<unknown>;
  types: Set<string>;
  fn?: Named;
  custom?: Named;
  /** Other fields of the call, the last value of each (the SDK assigns them). */
  rest: Record<string, unknown>;
}

export interface StreamCall {
  /** The choice's index, as an array index (`"0"`). */
  choice: string;
  /** The call's array index (`"1"`), or `FUNCTION_CALL`. */
  slot: string;
  view: ToolCallView;
}

/** The array index `value` names when used as `array[value]`, or undefined when it names none. */
export function arrayIndex(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value < 2 ** 32 - 1 ? String(value) : undefined;
  if (typeof value !== 'string' || !/^(0|[1-9][0-9]*)$/.test(value)) return undefined;
  return Number(value) < 2 ** 32 - 1 ? value : undefined;
}

export class StreamCalls {
  readonly #calls = new Map<string, AssembledCall>();

  /**
   * Adds the call deltas of one chunk. Returns whether it carried any, or why it cannot be read
   * (then nothing of the stream may go out).
   */
  add(chunk: Record<string, unknown>): { toolCall: boolean; unreadable?: string } {
    let toolCall = false;
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    for (const choice of choices) {
      if (!isRecord(choice) || !isRecord(choice.delta)) continue;
      const { tool_calls: parts, function_call: functionCall } = choice.delta;
      // The SDK skips falsy fields (`null`); `[]` adds an empty list and no call.
      const hasParts = Array.isArray(parts) ? parts.length > 0 : Boolean(parts);
      if (!hasParts && !functionCall) continue;
      const choiceIndex = arrayIndex(choice.index);
      if (choiceIndex === undefined) return { toolCall: true, unreadable: 'a tool call in a choice without a valid index' };
      if (hasParts) {
        if (!Array.isArray(parts)) return { toolCall: true, unreadable: 'tool_calls that are not a list' };
        for (const part of parts) {
          const slot = isRecord(part) ? arrayIndex(part.index) : undefined;
          if (!isRecord(part) || slot === undefined) return { toolCall: true, unreadable: 'a tool call delta without a valid index' };
          toolCall = true;
          const problem = this.#addPart(this.#call(choiceIndex, slot), part);
          if (problem) return { toolCall: true, unreadable: problem };
        }
      }
      if (functionCall) {
        toolCall = true;
        const problem = isRecord(functionCall) ? addNamed(this.#call(choiceIndex, FUNCTION_CALL), 'fn', functionCall, 'name', 'arguments') : 'a function_call that is not an object';
        if (problem) return { toolCall: true, unreadable: problem };
      }
    }
    return { toolCall };
  }

  /** The calls so far, by choice and then by index (a choice's `function_call` last), with their ids. */
  calls(): StreamCall[] {
    const ids = createCallIds();
    return [...this.#calls.values()].sort(byPosition).map((call) => ({ choice: call.choice, slot: call.slot, view: toView(call, ids) }));
  }

  #call(choice: string, slot: string): AssembledCall {
    const key = `${choice}/${slot}`;
    let call = this.#calls.get(key);
    if (!call) this.#calls.set(key, (call = { choice, slot, ids: new Set(), types: new Set(), rest: {} }));
    return call;
  }

  #addPart(call: AssembledCall, part: Record<string, unknown>): string | undefined {
    const { index: _index, id, type, function: fn, custom, ...rest } = part;
    if (id) call.ids.add(id);
    if (type) {
      if (typeof type !== 'string') return 'a tool call type that is not a string';
      call.types.add(type);
    }
    Object.assign(call.rest, rest);
    if (fn) {
      const problem = isRecord(fn) ? addNamed(call, 'fn', fn, 'name', 'arguments') : 'a tool call function that is not an object';
      if (problem) return problem;
    }
    if (custom) {
      const problem = isRecord(custom) ? addNamed(call, 'custom', custom, 'name', 'input') : 'a custom tool call that is not an object';
      if (problem) return problem;
    }
    if (call.types.size > 1) return 'a tool call whose type changes';
    const [only] = call.types;
    if ((call.fn && call.custom) || (only === 'function' && call.custom) || (only === 'custom' && call.fn)) return 'a tool call that mixes a function and a custom tool';
    return undefined;
  }
}

/**
 * Adds a name and a piece of text (arguments, input) to one of a call's shapes. A shape with
 * neither (`custom: {}`, which some gateways echo on every function delta) adds nothing.
 */
function addNamed(call: AssembledCall, shape: 'fn' | 'custom', value: Record<string, unknown>, nameKey: string, textKey: string): string | undefined {
  const name = value[nameKey];
  const text = value[textKey];
  if ((name !== undefined && name !== null && typeof name !== 'string') || (text !== undefined && text !== null && typeof text !== 'string')) {
    return 'a tool call name or arguments that are not text';
  }
  if (!name && !text) return undefined;
  const named = (call[shape] ??= { names: new Set(), pieces: [] });
  if (name) named.names.add(name);
  if (text) named.pieces.push(text);
  return named.names.size > 1 ? 'a tool call whose name pieces differ' : undefined;
}

function toView(call: AssembledCall, ids: ReturnType<typeof createCallIds>): ToolCallView {
  // Ids that differ between deltas leave the call without a usable one of its own.
  const own = call.ids.size === 1 ? [...call.ids][0] : undefined;
  const id = ids(own, `#${call.choice}.${call.slot}`);
  const [type] = call.types;
  if (call.slot === FUNCTION_CALL || type === 'function' || (type === undefined && call.fn)) return { id, ...named(call.fn) };
  if (type === 'custom' || (type === undefined && call.custom)) return { id, ...named(call.custom) };
  // A type this proxy does not know (or none, and nothing to call): it may carry an action.
  return { id, name: type ?? 'unknown', arguments: argumentsText(call.rest), unknownShape: true };
}

function named(shape: Named | undefined): { name: string; arguments: string } {
  return { name: shape ? ([...shape.names][0] ?? '') : '', arguments: shape?.pieces.join('') ?? '' };
}

function byPosition(a: AssembledCall, b: AssembledCall): number {
  const order = (call: AssembledCall) => (call.slot === FUNCTION_CALL ? Number.MAX_SAFE_INTEGER : Number(call.slot));
  return Number(a.choice) - Number(b.choice) || order(a) - order(b);
}
