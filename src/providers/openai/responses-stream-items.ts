import { TextBudget } from '../shared/text-budget.js';
import { isRecord } from '../shared/json.js';
import type { ToolCallView } from '../types.js';
import { toView } from './decode-responses-response.js';
import { assignCallIds, type CallItem, readOutputItem } from './responses-output-items.js';

/** What a stream said of one output index. */
interface StreamItem {
  /** A message's text parts by content index. */
  parts: string[] | null;
  /** The client call being assembled at this index. */
  current: CallItem | null;
  /** Other shapes the stream gave a call at this index (a `.done` that disagrees with the deltas, a second item). */
  variants: CallItem[];
  /** Hosted calls at this index. */
  hosted: string[];
}

/** Delta and done events of a client call's text, by the call type they add to, and the field a `.done` repeats it in. */
const CALL_TEXT_EVENTS: Record<string, { type: string; field?: string }> = {
  'response.function_call_arguments.delta': { type: 'function_call' },
  'response.function_call_arguments.done': { type: 'function_call', field: 'arguments' },
  'response.custom_tool_call_input.delta': { type: 'custom_tool_call' },
  'response.custom_tool_call_input.done': { type: 'custom_tool_call', field: 'input' },
};

/** An output index as the openai SDK reads it (`output[index]`): a whole number, or its digits as a string. */
export function outputIndex(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  return typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}

/**
 * The output items of a Responses API stream as its events build them, by output index: message
 * text, client calls (every shape the stream gave one: the `output_item.added` item with its
 * argument deltas, a `.done` event or `output_item.done` item that says otherwise, an argument
 * delta for an index that holds no such call), and hosted calls. Both the stream reader and the
 * stream refusal encoder replay events through it, so they give a call the same view id: its own
 * call id, or `#<output index>` when it lacks one, shares it, or the index holds disagreeing calls.
 *
 * A call item whose `output_item.added` has no usable output index, or one other than the count of
 * items added before it (the position the openai SDK pushes it to), is an unknown shape: what its
 * later events add to cannot be told. Index-less ones get keys -1, -2, ... in order.
 */
export class StreamItems {
  private readonly items = new Map<number, StreamItem>();
  private added = 0;
  private indexless = 0;

  /** `budget` bounds the text kept of every message item together. */
  constructor(private readonly budget = new TextBudget()) {}

  /** Applies one event; `key` is the index it was filed under, `call` whether it carries (part of) a client call. */
  read(type: string | undefined, payload: Record<string, unknown>): { key: number | undefined; call: boolean } {
    if (type === 'response.output_item.added' || type === 'response.output_item.done') return this.readItem(type, payload);
    const key = outputIndex(payload.output_index);
    const callText = type === undefined ? undefined : CALL_TEXT_EVENTS[type];
    if (callText) {
      if (key !== undefined) this.readCallText(this.at(key), callText, payload);
      return { key, call: true };
    }
    if (key === undefined) return { key, call: false };
    const item = this.items.get(key);
    if (item?.parts) readText(item.parts, type, payload, this.budget);
    return { key, call: item !== undefined && (item.current !== null || item.variants.length > 0) };
  }

  /** The client calls, by index, each shape once, under their view ids. */
  calls(): ToolCallView[] {
    const ids = this.ids();
    return [...this.shapes()].flatMap(([key, shapes]) => shapes.map((call) => toView(call, ids.get(key)!)));
  }

  /** The view id of the calls at each index. */
  ids(): Map<number, string> {
    const owned = new Map<number, (string | null)[]>();
    for (const [key, shapes] of this.shapes()) owned.set(key, shapes.map((call) => call.ownId));
    return assignCallIds(owned);
  }

  /** Each index's own call ids (a refusal by one of them takes the index out too). */
  ownIds(key: number): string[] {
    const item = this.items.get(key);
    if (!item) return [];
    return [...item.variants, ...(item.current ? [item.current] : [])].flatMap((call) => (call.ownId ? [call.ownId] : []));
  }

  hostedCalls(): string[] {
    return this.sorted().flatMap(([, item]) => item.hosted);
  }

  text(): string {
    return this.sorted().map(([, item]) => item.parts?.join('') ?? '').join('');
  }

  private readItem(type: string, payload: Record<string, unknown>): { key: number | undefined; call: boolean } {
    const piece = readOutputItem(payload.item);
    let key = outputIndex(payload.output_index);
    let misplaced = false;
    if (type === 'response.output_item.added') {
      misplaced = key !== this.added;
      this.added++;
    }
    if (piece?.kind === 'call' && key === undefined) key = -++this.indexless;
    if (key === undefined) return { key, call: false };
    const item = this.at(key);
    if (piece?.kind === 'text') {
      for (const part of item.parts ?? []) this.budget.release(part);
      item.parts = [this.budget.take(piece.text)];
    }
    if (piece?.kind === 'hosted' && !item.hosted.includes(piece.tool)) item.hosted.push(piece.tool);
    if (piece?.kind !== 'call') return { key, call: item.current !== null };
    const call: CallItem = misplaced ? { ...piece.call, unknownShape: true } : { ...piece.call };
    // An `output_item.done` that repeats the call as assembled adds nothing.
    if (type === 'response.output_item.done' && item.current && sameCall(item.current, call)) return { key, call: true };
    if (item.current) item.variants.push(item.current);
    item.current = call;
    return { key, call: true };
  }

  private readCallText(item: StreamItem, event: { type: string; field?: string }, payload: Record<string, unknown>): void {
    const text = event.field === undefined ? payload.delta : payload[event.field];
    if (typeof text !== 'string') return;
    if (item.current?.type !== event.type) {
      // No call of this type here to add to: a call of a shape the proxy cannot tell.
      if (item.current) item.variants.push(item.current);
      item.current = { ownId: null, type: event.type, name: event.type, arguments: '', unknownShape: true };
    }
    if (event.field === undefined) item.current.arguments += text;
    else if (item.current.arguments !== text) {
      // The `.done` event disagrees with the deltas: a client may believe either, so both are judged.
      if (item.current.arguments !== '') item.variants.push({ ...item.current });
      item.current.arguments = text;
    }
  }

  /** Every index's distinct call shapes, in index order. */
  private *shapes(): Generator<[number, CallItem[]]> {
    for (const [key, item] of this.sorted()) {
      const shapes: CallItem[] = [];
      for (const call of [...item.variants, ...(item.current ? [item.current] : [])]) {
        if (!shapes.some((shape) => sameCall(shape, call))) shapes.push(call);
      }
      if (shapes.length > 0) yield [key, shapes];
    }
  }

  private at(key: number): StreamItem {
    let item = this.items.get(key);
    if (!item) {
      item = { parts: null, current: null, variants: [], hosted: [] };
      this.items.set(key, item);
    }
    return item;
  }

  private sorted(): [number, StreamItem][] {
    return [...this.items.entries()].sort(([a], [b]) => a - b);
  }
}

function sameCall(a: CallItem, b: CallItem): boolean {
  return a.type === b.type && a.ownId === b.ownId && a.name === b.name && a.arguments === b.arguments && a.unknownShape === b.unknownShape;
}

/** A message item's text events: parts added, deltas, and the `.done` that repeats a part whole. */
function readText(parts: string[], type: string | undefined, payload: Record<string, unknown>, budget: TextBudget): void {
  const part = typeof payload.content_index === 'number' ? payload.content_index : 0;
  const replace = (text: string) => {
    budget.release(parts[part] ?? '');
    parts[part] = budget.take(text);
  };
  if (type === 'response.content_part.added' && isRecord(payload.part)) replace(str(payload.part.text));
  if (type === 'response.output_text.delta') parts[part] = (parts[part] ?? '') + budget.take(str(payload.delta));
  if (type === 'response.output_text.done' && typeof payload.text === 'string') replace(payload.text);
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
