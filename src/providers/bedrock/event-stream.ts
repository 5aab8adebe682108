import { EventStreamCodec, type Message, type MessageHeaders } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { createParser } from 'eventsource-parser';
import { isRecord, safeParseJson } from '../shared/json.js';
import { encodeSseEvent } from '../shared/sse.js';
import { ERROR_PREFIX, EXCEPTION_PREFIX, PROXY_STREAM_EXCEPTION, exceptionOf } from './event-names.js';
import { INVOKE_STREAM } from './routes.js';

/** One event-stream message larger than this is refused (fail closed, bounded memory). */
const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
/** The prelude: total length and headers length (4 bytes each), its CRC (4 bytes). */
const PRELUDE_BYTES = 12;

/** In an InvokeModelWithResponseStream, an event other than `chunk` travels under this prefix (see ./invoke.ts). */
export const OTHER_EVENT_PREFIX = 'bedrock-event:';

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * AWS event-stream framing (`application/vnd.amazon.eventstream`: binary messages with typed
 * headers and CRCs) to the named events the stream readers and encoders work on, as SSE text.
 * A ConverseStream message becomes `event: <:event-type>` with its JSON payload; an
 * InvokeModelWithResponseStream `chunk` becomes the Anthropic event its base64 `bytes` hold
 * (named by its `type`), so the Messages stream reader judges it. A message that fails its CRC
 * or cannot be decoded ends the stream with an exception event: never passed on unread.
 */
export async function* eventStreamToSse(operation: string, body: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  let buffer = Buffer.alloc(0);
  for await (const chunk of body) {
    buffer = buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([buffer, chunk]);
    let out = '';
    while (buffer.length >= PRELUDE_BYTES) {
      const total = buffer.readUInt32BE(0);
      if (total > MAX_MESSAGE_BYTES || total < PRELUDE_BYTES + 4) {
        yield Buffer.from(out + undecodable(`a message of ${total} bytes`));
        return;
      }
      if (buffer.length < total) break;
      const frame = buffer.subarray(0, total);
      buffer = buffer.subarray(total);
      let message: Message;
      try {
        message = codec.decode(frame);
      } catch {
        yield Buffer.from(out + undecodable('a message that fails its checksum'));
        return;
      }
      out += toSse(operation, message);
    }
    if (out) yield Buffer.from(out);
  }
  // A partial message at the end: the stream reader sees no terminator and the stream is refused as cut off.
}

/** One decoded message as a named event. */
function toSse(operation: string, message: Message): string {
  const header = (name: string) => {
    const value = message.headers[name];
    return value?.type === 'string' ? value.value : undefined;
  };
  let payload: string;
  try {
    payload = utf8.decode(message.body).replace(/\r\n?/g, '\n');
  } catch {
    return undecodable('a payload that is not UTF-8');
  }
  const kind = header(':message-type') ?? 'event';
  let name: string | undefined;
  if (kind === 'exception') name = `${EXCEPTION_PREFIX}${header(':exception-type') ?? PROXY_STREAM_EXCEPTION}`;
  else if (kind === 'error') {
    name = `${ERROR_PREFIX}${header(':error-code') ?? 'error'}`;
    payload = JSON.stringify({ message: header(':error-message') ?? payload });
  } else if (kind === 'event') name = header(':event-type');
  if (name === undefined || /[\r\n]/.test(name)) return undecodable(`a message of type "${kind}"`);
  if (operation !== INVOKE_STREAM || kind !== 'event') return encodeSseEvent({ event: name, data: payload });
  if (name !== 'chunk') return encodeSseEvent({ event: `${OTHER_EVENT_PREFIX}${name}`, data: payload });
  const parsed = safeParseJson(payload);
  const bytes = parsed.success && isRecord(parsed.value) ? parsed.value.bytes : undefined;
  if (typeof bytes !== 'string') return undecodable('a chunk without its bytes');
  let inner: string;
  try {
    inner = utf8.decode(Buffer.from(bytes, 'base64')).replace(/\r\n?/g, '\n');
  } catch {
    return undecodable('a chunk whose bytes are not UTF-8');
  }
  const event = safeParseJson(inner);
  const type = event.success && isRecord(event.value) ? event.value.type : undefined;
  if (typeof type !== 'string' || /[\r\n]/.test(type)) return undecodable('a chunk that is not an Anthropic event');
  return encodeSseEvent({ event: type, data: inner });
}

/** An exception event in place of a message the proxy cannot read: the stream ends there. */
function undecodable(what: string): string {
  return encodeSseEvent({ event: `${EXCEPTION_PREFIX}${PROXY_STREAM_EXCEPTION}`, data: JSON.stringify({ message: `The proxy could not decode the upstream's stream: it sent ${what}.` }) });
}

/**
 * The named events back to event-stream messages, as the AWS SDK reads them: an exception event
 * as an `exception` message, a ConverseStream event as an `event` message with its JSON payload,
 * an Anthropic event as a `chunk` with the event's JSON as base64 `bytes`. SSE comments (the
 * keep-alives of a held stream) have no event-stream form and are dropped.
 */
export function sseToEventStream(operation: string, sse: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = sse.getReader();
  const decoder = new TextDecoder();
  const frames: Uint8Array[] = [];
  const parser = createParser({ onEvent: (event) => frames.push(encodeMessage(operation, event.event, event.data)) });
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        while (frames.length === 0) {
          const { done, value } = await reader.read();
          if (done) {
            parser.feed(`${decoder.decode()}\n\n`);
            for (const frame of frames.splice(0)) controller.enqueue(frame);
            controller.close();
            return;
          }
          parser.feed(decoder.decode(value, { stream: true }));
        }
        for (const frame of frames.splice(0)) controller.enqueue(frame);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

function encodeMessage(operation: string, event: string | undefined, data: string): Uint8Array {
  const exception = exceptionOf(event);
  if (exception) {
    const kind = event!.startsWith(ERROR_PREFIX) ? 'error' : 'exception';
    const headers: MessageHeaders = { ':message-type': str(kind), ':content-type': str('application/json') };
    if (kind === 'error') {
      headers[':error-code'] = str(exception.type);
      headers[':error-message'] = str(exception.message(data).slice(exception.type.length + 2));
    } else headers[':exception-type'] = str(exception.type);
    return codec.encode({ headers, body: fromUtf8(data) });
  }
  const name = event ?? 'message';
  const headers = (type: string): MessageHeaders => ({ ':message-type': str('event'), ':event-type': str(type), ':content-type': str('application/json') });
  if (operation !== INVOKE_STREAM) return codec.encode({ headers: headers(name), body: fromUtf8(data) });
  if (name.startsWith(OTHER_EVENT_PREFIX)) return codec.encode({ headers: headers(name.slice(OTHER_EVENT_PREFIX.length)), body: fromUtf8(data) });
  return codec.encode({ headers: headers('chunk'), body: fromUtf8(JSON.stringify({ bytes: Buffer.from(data, 'utf8').toString('base64') })) });
}

function str(value: string): { type: 'string'; value: string } {
  return { type: 'string', value };
}
