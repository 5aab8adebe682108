import { isRecord, safeParseJson } from '../shared/json.js';
import { encodeSseEvent } from '../shared/sse.js';
import type { HeldEvent, StreamChannelEnd, StreamRedact } from '../types.js';

/** Shorter strings cannot hold a match (as in the JSON scan). */
const MIN_LENGTH = 6;

/** What one stream has sent of a channel: its original deltas and what went out for them, joined. */
interface Sent {
  original: string;
  out: string;
  itemId: unknown;
}

/**
 * Per stream (the `redact` function is one per stream): each delta channel's text so far, and
 * whole strings already redacted (original to redacted), so a `.done` event or a snapshot that
 * repeats a streamed text gets the very same redacted text, without finding its secrets twice.
 */
const streams = new WeakMap<StreamRedact, { channels: Map<string, Sent>; whole: Map<string, string> }>();

function stateOf(redact: StreamRedact) {
  let state = streams.get(redact);
  if (!state) {
    state = { channels: new Map(), whole: new Map() };
    streams.set(redact, state);
  }
  return state;
}

/** Terminal events carrying the whole response, its output included (a failed one may hold partial output). */
const SNAPSHOT_TYPES = new Set(['response.completed', 'response.incomplete', 'response.failed']);
/** Delta events by the kind of channel they feed: the answer's text, and each kind of call's input. */
const DELTA_KINDS: Record<string, string> = {
  'response.output_text.delta': 'text',
  'response.function_call_arguments.delta': 'tool',
  'response.custom_tool_call_input.delta': 'custom',
  'response.mcp_call_arguments.delta': 'mcp',
};
const DELTA_TYPES = new Set(Object.keys(DELTA_KINDS));
/** The delta event type of each channel kind (the held-back tail goes out as one more of them). */
const TAIL_TYPES = Object.fromEntries(Object.entries(DELTA_KINDS).map(([type, kind]) => [kind, type]));
/** Events that end one channel of their output item: the kind they end. */
const DONE_KINDS: Record<string, string> = {
  'response.output_text.done': 'text',
  'response.function_call_arguments.done': 'tool',
  'response.custom_tool_call_input.done': 'custom',
  'response.mcp_call_arguments.done': 'mcp',
};
const CALL_KINDS = ['tool', 'custom', 'mcp'];
/** Events that repeat text whole: the field that holds it (walked as JSON). */
const WHOLE_FIELDS: Record<string, string> = {
  'response.output_text.done': 'text',
  'response.function_call_arguments.done': 'arguments',
  'response.custom_tool_call_input.done': 'input',
  'response.mcp_call_arguments.done': 'arguments',
  'response.content_part.done': 'part',
  'response.output_item.done': 'item',
  'response.completed': 'response',
  'response.incomplete': 'response',
  'response.failed': 'response',
};

/**
 * Data-leak redaction of a Responses API stream. Channels: `text:<o>:<c>` (the
 * `response.output_text.delta`s of output item o, content part c), and per call item o `tool:<o>`,
 * `custom:<o>` and `mcp:<o>` (its `function_call_arguments`, `custom_tool_call_input` or
 * `mcp_call_arguments` deltas). A channel ends at its `.done` event (`output_text.done`,
 * `function_call_arguments.done`, `custom_tool_call_input.done`, ..., or at the latest its item's
 * `output_item.done`): the held-back tail goes out as one more delta event just before it. Events
 * that repeat the text whole (the `.done` events, `content_part.done`, `output_item.done` and the
 * `response.completed`/`.incomplete`/`.failed` snapshot) carry the text as it was sent; a string
 * not streamed before is scanned whole (path-named channels, e.g. `response.output[0].content[0].text`).
 */
export function redactResponsesStreamEvent(event: HeldEvent, redact: StreamRedact, end: StreamChannelEnd): string {
  const name = event.event;
  if (name !== undefined && !DELTA_TYPES.has(name) && WHOLE_FIELDS[name] === undefined) return event.encoded;
  const parsed = safeParseJson(event.data);
  if (!parsed.success || !isRecord(parsed.value) || typeof parsed.value.type !== 'string') return event.encoded;
  const payload = parsed.value;
  const type = payload.type as string;
  const state = stateOf(redact);
  const o = typeof payload.output_index === 'number' ? payload.output_index : 0;
  const c = typeof payload.content_index === 'number' ? payload.content_index : 0;

  if (DELTA_TYPES.has(type)) {
    if (typeof payload.delta !== 'string') return event.encoded;
    const kind = DELTA_KINDS[type]!;
    const channel = kind === 'text' ? `text:${o}:${c}` : `${kind}:${o}`;
    const sent = state.channels.get(channel) ?? { original: '', out: '', itemId: payload.item_id };
    state.channels.set(channel, sent);
    const delta = payload.delta;
    const out = redact(channel, delta);
    sent.original += delta;
    sent.out += out;
    if (out === delta) return event.encoded;
    if (out === '') return '';
    payload.delta = out;
    // Its tokens' log probabilities would tell the text.
    if (Array.isArray(payload.logprobs) && payload.logprobs.length > 0) payload.logprobs = [];
    delete payload.obfuscation;
    return encode(event, payload);
  }

  const field = WHOLE_FIELDS[type];
  if (field === undefined) return event.encoded;
  // The channels this event ends: their tails go out first.
  const ending = channelsEndedBy(type, o, c);
  const tails = new Map<string, string>();
  for (const prefix of ending) for (const [channel, tail] of end(prefix)) tails.set(channel, tail);
  let before = '';
  for (const [channel, sent] of state.channels) {
    if (!ending.some((prefix) => channel === prefix || channel.startsWith(`${prefix}:`))) continue;
    const tail = tails.get(channel);
    if (tail !== undefined) before += tailEvent(channel, tail, sent.itemId, payload.sequence_number, name !== undefined);
    sent.out += tail ?? '';
    state.whole.set(sent.original, sent.out);
    state.channels.delete(channel);
  }

  const value = payload[field];
  let changed = false;
  const whole = (text: string, path: string): string => {
    if (text.length < MIN_LENGTH) return text;
    let out = state.whole.get(text);
    if (out === undefined) {
      out = redact(path, text) + (end(path).get(path) ?? '');
      state.whole.set(text, out);
    }
    if (out !== text) changed = true;
    return out;
  };
  const path = SNAPSHOT_TYPES.has(type) ? 'response' : `${type.slice('response.'.length)}[${o}]`;
  if (typeof value === 'string') payload[field] = whole(value, path);
  else if (isRecord(value)) {
    // A snapshot's request echo (instructions, tools) was checked on the way in: its output is the answer.
    if (field === 'response') {
      if (Array.isArray(value.output)) value.output = walk(value.output, `${path}.output`, whole);
    } else payload[field] = walk(value, path, whole);
  }
  if (!changed) return before + event.encoded;
  if (Array.isArray(payload.logprobs) && payload.logprobs.length > 0) payload.logprobs = [];
  return before + encode(event, payload);
}

/** The channels (or channel prefixes) an event that repeats text whole ends. */
function channelsEndedBy(type: string, o: number, c: number): string[] {
  const kind = DONE_KINDS[type];
  if (kind === 'text' || type === 'response.content_part.done') return [`text:${o}:${c}`];
  if (kind !== undefined) return [`${kind}:${o}`];
  if (type === 'response.output_item.done') return [`text:${o}`, ...CALL_KINDS.map((call) => `${call}:${o}`)];
  return ['text', ...CALL_KINDS];
}

/** A JSON value with every string leaf passed through `whole` (object keys stay). */
function walk(value: unknown, path: string, whole: (text: string, path: string) => string): unknown {
  if (typeof value === 'string') return whole(value, path);
  if (Array.isArray(value)) return value.map((inner, i) => walk(inner, `${path}[${i}]`, whole));
  if (isRecord(value)) {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'id' || key === 'type' || key === 'status' || key === 'call_id' || key === 'role') continue;
      const out = walk(inner, `${path}.${key}`, whole);
      if (out !== inner) Object.defineProperty(value, key, { value: out, writable: true, enumerable: true, configurable: true });
    }
  }
  return value;
}

function tailEvent(channel: string, tail: string, itemId: unknown, sequence: unknown, named: boolean): string {
  const [kind, o, c] = channel.split(':');
  const type = TAIL_TYPES[kind ?? ''] ?? 'response.output_text.delta';
  const payload: Record<string, unknown> = { type };
  if (typeof sequence === 'number') payload.sequence_number = sequence;
  payload.item_id = typeof itemId === 'string' ? itemId : '';
  payload.output_index = Number(o);
  if (kind === 'text') payload.content_index = Number(c);
  payload.delta = tail;
  if (kind === 'text') payload.logprobs = [];
  return encodeSseEvent({ event: named ? type : undefined, data: JSON.stringify(payload) });
}

/** Delta events carrying the held-back tails at the end of a stream, shaped like `like`. */
export function encodeResponsesStreamTails(tails: ReadonlyMap<string, string>, like: HeldEvent): string {
  const parsed = like.data ? safeParseJson(like.data) : undefined;
  const payload = parsed?.success && isRecord(parsed.value) ? parsed.value : {};
  const itemId = payload.item_id ?? (isRecord(payload.item) ? payload.item.id : undefined);
  let out = '';
  for (const [channel, tail] of tails) out += tailEvent(channel, tail, itemId, payload.sequence_number, like.event !== undefined);
  return out;
}

function encode(event: HeldEvent, payload: unknown): string {
  return encodeSseEvent({ event: event.event, data: JSON.stringify(payload) });
}
