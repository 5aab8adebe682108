import { isRecord, safeParseJson } from '../shared/json.js';
import { encodeSseEvent } from '../shared/sse.js';
import type { HeldEvent, StreamChannelEnd, StreamRedact } from '../types.js';

/**
 * Data-leak redaction of a Messages stream. Channels, by content block index: `text:<i>` (a text
 * block's `text_delta`s) and `tool:<i>` (a tool call's `input_json_delta` pieces). A block's
 * channel ends at its `content_block_stop`: the held-back tail goes out as one more
 * `content_block_delta` just before it. Thinking (signed) and citation deltas are not redacted.
 */
export function redactMessagesStreamEvent(event: HeldEvent, redact: StreamRedact, end: StreamChannelEnd): string {
  const name = event.event;
  // Named events (as Anthropic sends them) skip the parse of everything but deltas and stops.
  if (name !== undefined && name !== 'content_block_delta' && name !== 'content_block_stop') return event.encoded;
  const parsed = safeParseJson(event.data);
  if (!parsed.success || !isRecord(parsed.value) || typeof parsed.value.index !== 'number') return event.encoded;
  const payload = parsed.value;
  const index = payload.index as number;
  if (payload.type === 'content_block_stop') {
    const tails = new Map([...end(`text:${index}`), ...end(`tool:${index}`)]);
    return tails.size === 0 ? event.encoded : encodeMessagesStreamTails(tails, event) + event.encoded;
  }
  if (payload.type !== 'content_block_delta' || !isRecord(payload.delta)) return event.encoded;
  const delta = payload.delta;
  const field = delta.type === 'text_delta' ? 'text' : delta.type === 'input_json_delta' ? 'partial_json' : null;
  const text = field ? delta[field] : undefined;
  if (field === null || typeof text !== 'string') return event.encoded;
  const out = redact(`${field === 'text' ? 'text' : 'tool'}:${index}`, text);
  if (out === text) return event.encoded;
  // All of it held back: the delta event carries nothing else.
  if (out === '') return '';
  delta[field] = out;
  return encodeSseEvent({ event: name, data: JSON.stringify(payload) });
}

/** `content_block_delta` events carrying the held-back tails, one per channel. */
export function encodeMessagesStreamTails(tails: ReadonlyMap<string, string>, like: HeldEvent): string {
  let out = '';
  for (const [channel, tail] of tails) {
    const [kind, index] = channel.split(':');
    const delta = kind === 'text' ? { type: 'text_delta', text: tail } : { type: 'input_json_delta', partial_json: tail };
    out += encodeSseEvent({ event: like.event === undefined ? undefined : 'content_block_delta', data: JSON.stringify({ type: 'content_block_delta', index: Number(index), delta }) });
  }
  return out;
}
