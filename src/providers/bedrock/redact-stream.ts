import { isRecord, safeParseJson } from '../shared/json.js';
import { encodeSseEvent } from '../shared/sse.js';
import type { HeldEvent, StreamChannelEnd, StreamRedact } from '../types.js';

/**
 * Data-leak redaction of a ConverseStream. Channels, by `contentBlockIndex`: `text:<i>` (a text
 * block's `delta.text`s) and `tool:<i>` (a call's `delta.toolUse.input` pieces). A block's channel
 * ends at its `contentBlockStop`: the held-back tail goes out as one more `contentBlockDelta` just
 * before it. Reasoning (signed) and citation deltas are not redacted.
 */
export function redactConverseStreamEvent(event: HeldEvent, redact: StreamRedact, end: StreamChannelEnd): string {
  if (event.event !== 'contentBlockDelta' && event.event !== 'contentBlockStop') return event.encoded;
  const parsed = safeParseJson(event.data);
  if (!parsed.success || !isRecord(parsed.value) || typeof parsed.value.contentBlockIndex !== 'number') return event.encoded;
  const payload = parsed.value;
  const index = payload.contentBlockIndex as number;
  if (event.event === 'contentBlockStop') {
    const tails = new Map([...end(`text:${index}`), ...end(`tool:${index}`)]);
    return tails.size === 0 ? event.encoded : encodeConverseStreamTails(tails) + event.encoded;
  }
  const delta = payload.delta;
  if (!isRecord(delta)) return event.encoded;
  const use = isRecord(delta.toolUse) ? delta.toolUse : undefined;
  const text = typeof delta.text === 'string' ? delta.text : typeof use?.input === 'string' ? use.input : undefined;
  if (text === undefined) return event.encoded;
  const out = redact(`${use ? 'tool' : 'text'}:${index}`, text);
  if (out === text) return event.encoded;
  // All of it held back: the delta event carries nothing else.
  if (out === '') return '';
  if (use) use.input = out;
  else delta.text = out;
  return encodeSseEvent({ event: 'contentBlockDelta', data: JSON.stringify(payload) });
}

/** `contentBlockDelta` events carrying the held-back tails, one per channel. */
export function encodeConverseStreamTails(tails: ReadonlyMap<string, string>): string {
  let out = '';
  for (const [channel, tail] of tails) {
    const [kind, index] = channel.split(':');
    const delta = kind === 'text' ? { text: tail } : { toolUse: { input: tail } };
    out += encodeSseEvent({ event: 'contentBlockDelta', data: JSON.stringify({ contentBlockIndex: Number(index), delta }) });
  }
  return out;
}
