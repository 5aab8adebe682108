import type { BlockedCall } from '../../policy/refusal.js';
import { decodeMessagesRequest } from '../anthropic/decode-request.js';
import { messagesStreamReader } from '../anthropic/decode-stream.js';
import { refuseMessageStream } from '../anthropic/encode-refusal.js';
import { isRecord } from '../shared/json.js';
import type { DecodeResult, ExchangeInfo, HeldEvent, StreamReader, ToolCallView } from '../types.js';
import { exceptionOf } from './event-names.js';
import { OTHER_EVENT_PREFIX } from './event-stream.js';

/**
 * InvokeModel for Anthropic models: the body is a Messages request with `anthropic_version` and
 * without `model` (the path names it) or `stream` (the path says it). It is judged as Anthropic's;
 * a body of another model family is refused: the proxy could not read its answer's tool calls.
 */
export function decodeInvokeRequest(json: unknown, model: string, stream: boolean): DecodeResult {
  if (!isRecord(json) || typeof json.anthropic_version !== 'string') {
    return { success: false, message: 'The proxy judges InvokeModel only for Anthropic models (a Messages body with anthropic_version); call other models through Converse.', param: 'anthropic_version' };
  }
  // Decoded with the path's model, but the body goes on as it was: Bedrock refuses a `model` field.
  const decoded = decodeMessagesRequest({ ...json, model, stream: false });
  if (!decoded.success) return decoded;
  return { success: true, json, view: { ...decoded.view, model, stream } };
}

/**
 * An InvokeModelWithResponseStream: its chunks are Anthropic's events, read by the Messages stream
 * reader. An exception is the upstream's error; an event other than `chunk` (a kind added later)
 * may carry an action: read as a call of unknown shape, refused by default.
 */
export function invokeStreamReader(exchange: Pick<ExchangeInfo, 'maxTextBytes'>): StreamReader {
  const inner = messagesStreamReader(exchange);
  const others: ToolCallView[] = [];
  return {
    endsAtEof: false,
    read(event) {
      const exception = exceptionOf(event.event);
      if (exception) return { error: exception.message(event.data) };
      if (event.event?.startsWith(OTHER_EVENT_PREFIX)) {
        others.push({ id: `#event.${others.length}`, name: event.event.slice(OTHER_EVENT_PREFIX.length), arguments: event.data, unknownShape: true });
        return { toolCall: true };
      }
      return inner.read(event);
    },
    view() {
      const view = inner.view();
      return others.length > 0 ? { ...view, toolCalls: [...view.toolCalls, ...others] } : view;
    },
  };
}

/** The held chunks without the refused calls (the Messages encoder), and without refused events of other kinds. */
export function refuseInvokeStream(held: readonly HeldEvent[], blocked: readonly BlockedCall[]): string {
  const refused = new Set(blocked.map((call) => call.toolCallId));
  let other = 0;
  const kept = held.filter((event) => !event.event?.startsWith(OTHER_EVENT_PREFIX) || !refused.has(`#event.${other++}`));
  return refuseMessageStream(kept, blocked);
}
