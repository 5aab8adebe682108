/**
 * Issue 14, item 6: a held stream has a memory ceiling. From its first tool-call event a stream is
 * held until its calls are decided; `limits.maxHeldStreamBytes` bounds what is held (the held
 * events as they would be sent). Past it the stream ends with an error event in the provider's
 * dialect and nothing held goes out; the row says why. The audit copy of a stream is cut at
 * `audit.maxBodyBytes` like a JSON body's. Every streamed wire format, through `proxy.handle` and
 * a byte-level upstream on 127.0.0.1.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProxy, type Proxy, type ProxyConfig } from '../../src/index.js';
import { onlyRow } from '../helpers/proxy.js';
import { type RawUpstream, type Step, startRawStreamUpstream } from '../helpers/raw-stream-upstream.js';
import { CALL, FORMATS, proxyFor, type StreamFormat } from '../helpers/stream-formats.js';
import { streamEvents } from '../upstream/anthropic-wire.js';
import { sseEvents as geminiSseEvents } from '../upstream/gemini-wire.js';
import { answerLines } from '../upstream/ollama-wire.js';
import { chunkPayloads } from '../upstream/openai-wire.js';
import { encodeEvents, responsesEvents } from '../upstream/openai-responses-wire.js';

const BEFORE_CALL = 'Sending it now.';

let up: RawUpstream;
const opened: Proxy[] = [];
let session = 0;

beforeAll(async () => {
  up = await startRawStreamUpstream();
});
afterEach(async () => {
  up.reset();
  await Promise.all(opened.splice(0).map((proxy) => proxy.close()));
});
afterAll(() => up.close());

function newProxy(config: ProxyConfig = {}): Proxy {
  const proxy = proxyFor(up.url, config);
  opened.push(proxy);
  return proxy;
}

/** A whole upstream stream in `format`: `text`, then (with `call`) the tool call CALL, then the end. */
function streamOf(format: StreamFormat, text: string, call: boolean): string[] {
  const args = JSON.parse(CALL.arguments);
  switch (format.id) {
    case 'chat':
      return chunkPayloads({ kind: 'chat', content: text, ...(call ? { toolCalls: [CALL] } : {}) }, 'gpt-4o-mini', true).map((data) => `data: ${data}\n\n`);
    case 'responses':
      return encodeEvents(responsesEvents({ kind: 'chat', content: text, ...(call ? { toolCalls: [CALL] } : {}) }, 'resp_held', 'gpt-4.1', { model: 'gpt-4.1', input: 'hi' }));
    case 'anthropic':
      return streamEvents({ kind: 'message', text, ...(call ? { toolCalls: [{ id: CALL.id, name: CALL.name, input: args }] } : {}) }, 'claude-sonnet-4-6');
    case 'gemini':
      return geminiSseEvents({ kind: 'generate', text, ...(call ? { functionCalls: [{ name: CALL.name, args }] } : {}) }, 'gemini-2.5-flash');
    case 'ollama':
      return answerLines('chat', { kind: 'answer', content: text, ...(call ? { toolCalls: [{ name: CALL.name, arguments: args }] } : {}) }, 'llama3.2');
  }
}

/** The client's output split into its events, each with its framing (the proxy frames SSE with LF). */
function rawEvents(format: StreamFormat, output: string): string[] {
  return output.split(format.framing === 'sse' ? /(?<=\n\n)/ : /(?<=\n)/);
}

async function through(proxy: Proxy, format: StreamFormat, steps: Step[]) {
  up.reply({ headers: { 'content-type': format.contentType }, steps });
  const sessionId = `held-${++session}`;
  const response = await proxy.handle(format.request({ 'x-archestra-session-id': sessionId }));
  expect(response.status).toBe(200);
  const output = await response.text();
  return { output, row: await onlyRow(proxy, { sessionId }) };
}

const overLimit = (max: number) => `The answer was cut off: it grew past the proxy's held-stream limit (${max} bytes) while its tool calls awaited their decision.`;

describe('limits.maxHeldStreamBytes', () => {
  it.each(FORMATS)('$label: held exactly up to the limit, the call is judged and delivered; one byte over, an error event, no call, row upstream_error', async (format) => {
    const events = streamOf(format, BEFORE_CALL, true);
    // What is held is everything from the call's first event on, as the client gets it released.
    const free = await through(newProxy(), format, events);
    expect(free.row).toMatchObject({ outcome: 'ok', error: null });
    const sent = rawEvents(format, free.output);
    const holdStart = sent.findIndex((event) => event.includes(CALL.name));
    expect(holdStart).toBeGreaterThan(0);
    const heldBytes = Buffer.byteLength(sent.slice(holdStart).join(''));
    const beforeHold = sent.slice(0, holdStart).join('');

    const atLimit = await through(newProxy({ limits: { maxHeldStreamBytes: heldBytes } }), format, events);
    expect(atLimit.output).toBe(free.output);
    expect(format.succeeded(atLimit.output)).toBe(true);
    expect(atLimit.row).toMatchObject({ outcome: 'ok', error: null });
    expect(atLimit.row.decisions).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'tool_call', tool: CALL.name, action: 'allow' })]));

    const over = await through(newProxy({ limits: { maxHeldStreamBytes: heldBytes - 1 } }), format, events);
    expect(over.output.startsWith(beforeHold)).toBe(true);
    expect(format.text(over.output)).toBe(BEFORE_CALL);
    expect(over.output).not.toContain(CALL.name);
    expect(format.errorAtEnd(over.output)).toBe(overLimit(heldBytes - 1));
    expect(format.succeeded(over.output)).toBe(false);
    expect(format.events(over.output)).toHaveLength(format.events(beforeHold).length + 1);
    expect(over.row).toMatchObject({ status: 200, outcome: 'upstream_error', error: overLimit(heldBytes - 1) });
    expect(over.row.decisions ?? []).not.toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'tool_call' })]));
  });

  it.each(FORMATS)('$label: an upstream that never ends after a tool call is cut off at the limit: error event, nothing held sent, upstream request closed', async (format) => {
    const max = 16 * 1024;
    const start = format.untilToolCall();
    // The call's last piece, again and again: every one of them is held.
    const filler = start.at(-1)!;
    const proxy = newProxy({ limits: { maxHeldStreamBytes: max } });
    const aborted = up.waitForAbort(5_000);
    const { output, row } = await through(proxy, format, [...start, { generate: () => filler, count: 1_000_000 }]);
    await aborted;
    expect(up.ended).toBe(false);
    expect(output).not.toContain(CALL.name);
    expect(format.errorAtEnd(output)).toBe(overLimit(max));
    expect(format.succeeded(output)).toBe(false);
    expect(format.text(output)).toBe(BEFORE_CALL);
    expect(row).toMatchObject({ outcome: 'upstream_error', error: overLimit(max) });
  });

  it('is validated: zero or a fraction is refused, naming the field', () => {
    expect(() => createProxy({ limits: { maxHeldStreamBytes: 0 } })).toThrow(/limits\.maxHeldStreamBytes/);
    expect(() => createProxy({ limits: { maxHeldStreamBytes: 1.5 } })).toThrow(/limits\.maxHeldStreamBytes/);
  });
});

describe('the audit copy of a stream is cut at audit.maxBodyBytes', () => {
  const MAX = 1024;
  const longText = Array.from({ length: 600 }, (_, i) => `wörd${i} `).join('');

  it.each(FORMATS)('$label: a long answer reaches the client whole; its row keeps the first audit.maxBodyBytes bytes and says it was cut', async (format) => {
    const proxy = newProxy({ audit: { maxBodyBytes: MAX } });
    const { output, row } = await through(proxy, format, streamOf(format, longText, false));
    expect(format.text(output)).toBe(longText);
    expect(row.outcome).toBe('ok');
    const body = row.responseBody!;
    expect(body.endsWith('…[truncated]')).toBe(true);
    const kept = body.slice(0, -'…[truncated]'.length);
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(MAX);
    expect(Buffer.byteLength(kept)).toBeGreaterThan(MAX - 4);
    expect(output.startsWith(kept)).toBe(true);
  });

  it.each(FORMATS)('$label: a held answer, released at once, is cut the same way', async (format) => {
    const events = streamOf(format, BEFORE_CALL, true);
    const free = await through(newProxy(), format, events);
    const sent = rawEvents(format, free.output);
    const beforeHold = sent.slice(0, sent.findIndex((event) => event.includes(CALL.name))).join('');
    // The cut falls inside what was held.
    const max = Buffer.byteLength(beforeHold) + 10;
    const { output, row } = await through(newProxy({ audit: { maxBodyBytes: max } }), format, events);
    expect(output).toContain(CALL.name);
    expect(row.responseBody).toBe(`${output.slice(0, max)}…[truncated]`);
  });

  it('exactly audit.maxBodyBytes is kept whole, without the mark', async () => {
    const format = FORMATS[0]!;
    const first = await through(newProxy(), format, streamOf(format, 'exact', false));
    const size = Buffer.byteLength(first.output);
    const exact = await through(newProxy({ audit: { maxBodyBytes: size } }), format, streamOf(format, 'exact', false));
    expect(exact.row.responseBody).toBe(exact.output);
    const under = await through(newProxy({ audit: { maxBodyBytes: size - 1 } }), format, streamOf(format, 'exact', false));
    expect(under.row.responseBody).toBe(`${under.output.slice(0, -1)}…[truncated]`);
  });
});
