import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { describe, expect, it } from 'vitest';
import { eventStreamToSse, sseToEventStream } from './event-stream.js';
import { CONVERSE_STREAM, INVOKE_STREAM } from './routes.js';

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const str = (value: string) => ({ type: 'string' as const, value });
const frame = (type: string, payload: unknown, kind = 'event') =>
  codec.encode({ headers: { ':message-type': str(kind), [kind === 'event' ? ':event-type' : ':exception-type']: str(type), ':content-type': str('application/json') }, body: fromUtf8(JSON.stringify(payload)) });

async function* chunks(bytes: Uint8Array, size: number) {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}
async function text(iterable: AsyncIterable<Uint8Array>): Promise<string> {
  let out = '';
  for await (const chunk of iterable) out += Buffer.from(chunk).toString('utf8');
  return out;
}
async function frames(stream: ReadableStream<Uint8Array>) {
  const bytes: Uint8Array[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) bytes.push(chunk);
  const all = Buffer.concat(bytes);
  const messages = [];
  for (let at = 0; at < all.length; ) {
    const total = all.readUInt32BE(at);
    const message = codec.decode(all.subarray(at, at + total));
    messages.push({ headers: Object.fromEntries(Object.entries(message.headers).map(([name, value]) => [name, value.value])), body: Buffer.from(message.body).toString('utf8') });
    at += total;
  }
  return messages;
}
const sse = (text: string) => new ReadableStream<Uint8Array>({ start: (controller) => (controller.enqueue(new TextEncoder().encode(text)), controller.close()) });

describe('event-stream framing', () => {
  const body = Buffer.concat([frame('messageStart', { role: 'assistant' }), frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'héllo' } }), frame('throttlingException', { message: 'slow' }, 'exception')]);

  it('decodes messages split anywhere (one byte at a time) into named events', async () => {
    expect(await text(eventStreamToSse(CONVERSE_STREAM, chunks(body, 1)))).toBe(
      'event: messageStart\ndata: {"role":"assistant"}\n\n' +
        'event: contentBlockDelta\ndata: {"contentBlockIndex":0,"delta":{"text":"héllo"}}\n\n' +
        'event: exception:throttlingException\ndata: {"message":"slow"}\n\n',
    );
  });

  it('encodes them back to the messages the SDK reads', async () => {
    const decoded = await text(eventStreamToSse(CONVERSE_STREAM, chunks(body, 7)));
    expect(await frames(sseToEventStream(CONVERSE_STREAM, sse(`${decoded}: keep-alive\n\n`)))).toEqual([
      { headers: { ':message-type': 'event', ':event-type': 'messageStart', ':content-type': 'application/json' }, body: '{"role":"assistant"}' },
      { headers: { ':message-type': 'event', ':event-type': 'contentBlockDelta', ':content-type': 'application/json' }, body: '{"contentBlockIndex":0,"delta":{"text":"héllo"}}' },
      { headers: { ':message-type': 'exception', ':exception-type': 'throttlingException', ':content-type': 'application/json' }, body: '{"message":"slow"}' },
    ]);
  });

  it('InvokeModel chunks become the Anthropic events their bytes hold, and back', async () => {
    const event = { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } };
    const chunk = frame('chunk', { bytes: Buffer.from(JSON.stringify(event)).toString('base64') });
    const decoded = await text(eventStreamToSse(INVOKE_STREAM, chunks(chunk, 5)));
    expect(decoded).toBe(`event: content_block_delta\ndata: ${JSON.stringify(event)}\n\n`);
    const [back] = await frames(sseToEventStream(INVOKE_STREAM, sse(decoded)));
    expect(back!.headers[':event-type']).toBe('chunk');
    expect(JSON.parse(Buffer.from(JSON.parse(back!.body).bytes, 'base64').toString('utf8'))).toEqual(event);
  });

  it('a message that fails its checksum, or claims an oversized length, becomes an exception and ends the decoding', async () => {
    const broken = Buffer.from(frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'x' } }));
    broken[broken.length - 1] = broken[broken.length - 1]! ^ 0xff;
    expect(await text(eventStreamToSse(CONVERSE_STREAM, chunks(Buffer.concat([broken, frame('messageStart', {})]), 64)))).toMatch(/^event: exception:internalServerException\ndata: .*checksum.*\n\n$/);
    const huge = Buffer.alloc(16);
    huge.writeUInt32BE(0xffffffff, 0);
    expect(await text(eventStreamToSse(CONVERSE_STREAM, chunks(huge, 16)))).toContain('exception:internalServerException');
  });
});
