/**
 * Streaming S4–S10 (SECURITY-TESTS.md) in every streamed wire format, through the whole proxy
 * (`proxy.handle`, undici, a byte-level scripted upstream on 127.0.0.1): an upstream cut
 * mid-stream, a client that goes away, a slow client (backpressure), an oversized event, an error
 * event mid-stream, an upstream gone silent and one kept alive by heartbeats.
 * (S8, redaction across chunks: policy-data-leak-stream*.test.ts. S11–S13: policy-*.test.ts and
 * policy-keepalive.test.ts. SDK-level versions of S4, S5 and S9: the way-in suites in test/helpers.)
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Proxy } from '../../src/index.js';
import { onlyRow } from '../helpers/proxy.js';
import { type RawUpstream, type Step, startRawStreamUpstream } from '../helpers/raw-stream-upstream.js';
import { FORMAT, FORMATS, proxyFor, type StreamFormat } from '../helpers/stream-formats.js';

let up: RawUpstream;
let proxy: Proxy;
/** The same, with a 200 ms idle timeout between two upstream body chunks. */
let impatient: Proxy;
let session = 0;

beforeAll(async () => {
  up = await startRawStreamUpstream();
  proxy = proxyFor(up.url);
  impatient = proxyFor(up.url, { upstream: { bodyTimeoutMs: 200 } });
});
afterEach(() => up.reset());
afterAll(async () => {
  await proxy.close();
  await impatient.close();
  await up.close();
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function through(format: StreamFormat, steps: Step[], via = proxy) {
  up.reply({ headers: { 'content-type': format.contentType }, steps });
  const sessionId = `faults-${++session}`;
  const response = await via.handle(format.request({ 'x-archestra-session-id': sessionId }));
  expect(response.status).toBe(200);
  const output = await response.text();
  return { output, row: await onlyRow(via, { sessionId }) };
}

/** Reads `body` until the text so far satisfies `enough`; returns the text (the reader stays open). */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, enough: (text: string) => boolean): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  while (!enough(text)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the stream ended before the expected text; got ${JSON.stringify(text.slice(-200))}`);
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

/** The audit row of `sessionId` once it is written (a stream's row is written when it ends). */
async function rowOnceWritten(sessionId: string) {
  return vi.waitFor(() => onlyRow(proxy, { sessionId }), { timeout: 3000, interval: 20 });
}

describe('S4: the upstream connection cut mid-stream', () => {
  it.each(FORMATS)('S4 ($label): reset after 3 events: a dialect error event, no success terminator; row upstream_error with the usage so far', async (format) => {
    const first = format.golden().slice(0, 3).join('');
    const { output, row } = await through(format, [first, { destroy: true }]);
    expect(output.startsWith(first)).toBe(true);
    expect(format.errorAtEnd(output)).toBe('The upstream connection broke off mid-stream.');
    expect(format.succeeded(output)).toBe(false);
    expect(format.events(output)).toHaveLength(format.events(first).length + 1);
    expect(row).toMatchObject({ stream: true, status: 200, outcome: 'upstream_error', error: 'The upstream connection broke off mid-stream.', inputTokens: format.usage.partialInput });
  });
});

describe('S5: the client goes away', () => {
  it.each(FORMATS)('S5 ($label): before the first byte (the upstream slow to answer): the upstream request is aborted, not retried; row client_aborted', async (format) => {
    up.reply({ headers: { 'content-type': format.contentType }, headersDelayMs: 300, steps: format.golden() });
    const sessionId = `faults-${++session}`;
    const abort = new AbortController();
    const answered = proxy.handle(format.request({ 'x-archestra-session-id': sessionId }, abort.signal));
    await vi.waitFor(() => expect(up.requests).toHaveLength(1), { timeout: 2000, interval: 5 });
    abort.abort();
    await up.waitForAbort(2000);
    await answered.catch(() => undefined);
    expect(await rowOnceWritten(sessionId)).toMatchObject({ outcome: 'client_aborted' });
    await sleep(350);
    expect(up.requests).toHaveLength(1);
  });

  it.each(FORMATS)('S5 ($label): after 2 events (the request signal aborted mid-read): the upstream is aborted; row client_aborted', async (format) => {
    const [one, two] = format.golden();
    up.reply({ headers: { 'content-type': format.contentType }, steps: [one!, two!, { hang: true }] });
    const sessionId = `faults-${++session}`;
    const abort = new AbortController();
    const response = await proxy.handle(format.request({ 'x-archestra-session-id': sessionId }, abort.signal));
    const reader = response.body!.getReader();
    expect(await readUntil(reader, (text) => format.events(text).length >= 2)).toBe(one! + two!);
    const pending = reader.read().catch((error: unknown) => error);
    abort.abort();
    await up.waitForAbort(2000);
    expect(await pending).toBeInstanceOf(Error);
    expect(await rowOnceWritten(sessionId)).toMatchObject({ stream: true, outcome: 'client_aborted', error: 'The client went away mid-stream.' });
    expect(up.requests).toHaveLength(1);
  });

  it.each(FORMATS)('S5 ($label): during a tool call (its start and first pieces sent, the client cancels its read): the upstream is aborted; row client_aborted', async (format) => {
    const events = format.untilToolCall();
    up.reply({ headers: { 'content-type': format.contentType }, steps: [...events, { hang: true }] });
    const sessionId = `faults-${++session}`;
    const response = await proxy.handle(format.request({ 'x-archestra-session-id': sessionId }));
    const reader = response.body!.getReader();
    await readUntil(reader, (text) => text.includes('Sending'));
    // Until the upstream has sent the call's pieces: then the proxy is reading inside the call.
    await vi.waitFor(() => expect(up.written).toBe(Buffer.byteLength(events.join(''))), { timeout: 2000, interval: 5 });
    await reader.cancel();
    await up.waitForAbort(2000);
    expect(await rowOnceWritten(sessionId)).toMatchObject({ stream: true, outcome: 'client_aborted' });
    expect(up.requests).toHaveLength(1);
  });
});

describe('S6: backpressure', () => {
  const PIECE = 'x'.repeat(1000);
  const huge: [StreamFormat, (i: number) => string][] = [
    [FORMAT.chat, (i) => `data: {"choices":[{"index":0,"delta":{"content":"${i} ${PIECE}"}}]}\n\n`],
    [FORMAT.ollama, (i) => `{"model":"llama3.2","message":{"role":"assistant","content":"${i} ${PIECE}"},"done":false}\n`],
  ];
  // 32 MB on offer (the checklist's 20 MB, with room): a proxy that buffered would let it all through.
  const TOTAL = 32 * 1024 * 1024;

  it.each(huge.map(([format, piece]) => [format.label, format, piece] as const))('S6 (%s): a client that stops reading a 32 MB stream: the upstream is paused after a bounded amount, resumes when the client reads on', async (_label, format, piece) => {
    const count = Math.ceil(TOTAL / piece(0).length);
    up.reply({ headers: { 'content-type': format.contentType }, steps: [{ generate: piece, count }] });
    const sessionId = `faults-${++session}`;
    const response = await proxy.handle(format.request({ 'x-archestra-session-id': sessionId }));
    const reader = response.body!.getReader();
    let read = (await readUntil(reader, (text) => text.length > 64 * 1024)).length;

    /** Waits until the upstream makes no progress for 100 ms; returns what it wrote. */
    const stalled = async () => {
      let last = -1;
      for (let i = 0; i < 40 && up.written !== last; i++) {
        last = up.written;
        await sleep(100);
      }
      return up.written;
    };
    const paused = await stalled();
    // What the upstream managed to write while the client read 64 KB: the socket buffers on both
    // sides (about 4 MB here; Linux lets them grow to 4 MB + 6 MB) and the proxy's one chunk in hand.
    expect(paused).toBeLessThan(12 * 1024 * 1024);
    expect(up.ended).toBe(false);

    // The client reads on: the upstream writes on.
    read += (await readUntil(reader, (text) => text.length > paused)).length;
    await vi.waitFor(() => expect(up.written).toBeGreaterThan(paused), { timeout: 2000, interval: 10 });
    expect(read).toBeGreaterThan(paused);
    await reader.cancel();
    await up.waitForAbort(2000);
    expect(await rowOnceWritten(sessionId)).toMatchObject({ outcome: 'client_aborted' });
  });
});

describe('S7: one oversized event', () => {
  const CHUNK = 'x'.repeat(64 * 1024);
  const TOTAL = 20 * 1024 * 1024;
  const openings: Record<string, string> = {
    chat: 'data: {"choices":[{"index":0,"delta":{"content":"',
    responses: 'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"',
    anthropic: 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"',
    gemini: 'data: {"candidates":[{"content":{"parts":[{"text":"',
    ollama: '{"model":"llama3.2","message":{"role":"assistant","content":"',
  };

  it.each(FORMATS)('S7 ($label): a single 20 MB event without a line end: fails closed (a dialect error event, the upstream aborted before it sent it all); row upstream_error', async (format) => {
    const first = format.golden()[0]!;
    const { output, row } = await through(format, [first, openings[format.id]!, { generate: () => CHUNK, count: TOTAL / CHUNK.length }]);
    // Nothing of the oversized event reaches the client: the first event, then the error.
    expect(output.length).toBeLessThan(first.length + 1000);
    expect(output.startsWith(first)).toBe(true);
    expect(format.errorAtEnd(output)).toBe('An upstream event exceeded the size limit.');
    expect(row).toMatchObject({ outcome: 'upstream_error', error: 'An upstream event exceeded the size limit.' });
    await up.waitForAbort(2000);
    expect(up.ended).toBe(false);
    expect(up.written).toBeLessThan(TOTAL);
  });
});

describe('S9: an error event mid-stream, after the 200', () => {
  it('S9 (Anthropic SSE): overloaded_error after 3 events: passed on as Anthropic sent it, nothing after it (not the message_stop that follows); row upstream_error with the usage so far', async () => {
    const format = FORMAT.anthropic;
    const first = format.golden().slice(0, 3).join('');
    const error = format.upstreamError('Overloaded');
    const { output, row } = await through(format, [first, error, ...format.golden().slice(3)]);
    expect(output).toBe(first + error);
    expect(format.succeeded(output)).toBe(false);
    expect(row).toMatchObject({ status: 200, outcome: 'upstream_error', error: 'overloaded_error: Overloaded', inputTokens: 17 });
  });

  it.each(FORMATS.filter((format) => format.id !== 'anthropic'))('S9 ($label): the provider\'s own error event after 3 events: passed on in its dialect, the stream ends there; row upstream_error', async (format) => {
    const first = format.golden().slice(0, 3).join('');
    const { output, row } = await through(format, [first, format.upstreamError('The model is overloaded.'), ...format.golden().slice(3)]);
    expect(output.startsWith(first)).toBe(true);
    expect(format.errorAtEnd(output)).toBe('The model is overloaded.');
    expect(format.events(output)).toHaveLength(format.events(first).length + 1);
    expect(format.succeeded(output)).toBe(false);
    expect(row).toMatchObject({ status: 200, outcome: 'upstream_error', error: 'The model is overloaded.' });
  });
  it.each(FORMATS)('S9 ($label): the error event arrives while a tool call is held: the call never goes out, the error does', async (format) => {
    const { output, row } = await through(format, [...format.untilToolCall(), format.upstreamError('The model is overloaded.')]);
    expect(output).not.toContain('"to":"ops@example.com"');
    expect(output).not.toContain('ops@example.com');
    expect(format.errorAtEnd(output)).toBe('The model is overloaded.');
    expect(format.succeeded(output)).toBe(false);
    expect(row).toMatchObject({ outcome: 'upstream_error' });
  });
});

/**
 * S10 runs its cases side by side on an upstream of its own: undici arms its body timeout on a
 * coarse clock (about one second of resolution), so a 200 ms idle timeout fires after 0.2–1.2 s,
 * and the heartbeats must outlast that.
 */
describe('S10: idle timeout and heartbeats (upstream.bodyTimeoutMs: 200)', () => {
  let s10: RawUpstream;
  let short: Proxy;
  const heartbeat: Record<string, string> = {
    chat: ': keep-alive\n\n',
    responses: ': keep-alive\n\n',
    anthropic: 'event: ping\ndata: {"type": "ping"}\n\n',
    gemini: ': keep-alive\r\n\r\n',
    // NDJSON has no comment: a blank line is the only heartbeat it can carry.
    ollama: '\n',
  };
  const formatOf = (path: string): StreamFormat =>
    path.includes('streamGenerateContent') ? FORMAT.gemini : path.startsWith('/api/chat') ? FORMAT.ollama : path.startsWith('/v1/messages') ? FORMAT.anthropic : path.startsWith('/v1/responses') ? FORMAT.responses : FORMAT.chat;
  const BEATS = 16;
  const BEAT_MS = 100;

  beforeAll(async () => {
    s10 = await startRawStreamUpstream();
    short = proxyFor(s10.url, { upstream: { bodyTimeoutMs: 200 } });
    s10.reply((request) => {
      const format = formatOf(request.path);
      const [head, second, ...rest] = format.golden();
      if (request.headers['x-s10'] === 'idle') return { headers: { 'content-type': format.contentType }, steps: [head!, second!, { hang: true }] };
      const beats = Array.from({ length: BEATS }, () => [{ delayMs: BEAT_MS }, heartbeat[format.id]!] as Step[]).flat();
      return { headers: { 'content-type': format.contentType }, steps: [head!, ...beats, second!, ...rest] };
    });
  });
  afterAll(async () => {
    await short.close();
    await s10.close();
  });

  async function s10Through(format: StreamFormat, mode: 'idle' | 'heartbeat') {
    const sessionId = `s10-${mode}-${format.id}`;
    const response = await short.handle(format.request({ 'x-archestra-session-id': sessionId, 'x-s10': mode }));
    expect(response.status).toBe(200);
    const output = await response.text();
    return { output, row: await onlyRow(short, { sessionId }) };
  }

  it.concurrent.each(FORMATS)('S10 ($label): silence longer than the idle timeout after 2 events: a timeout error event in the dialect; the upstream aborted; row upstream_error', async (format) => {
    const first = format.golden().slice(0, 2).join('');
    const started = performance.now();
    const { output, row } = await s10Through(format, 'idle');
    expect(performance.now() - started).toBeLessThan(BEATS * BEAT_MS);
    expect(output.startsWith(first)).toBe(true);
    expect(format.errorAtEnd(output)).toBe('The upstream sent nothing for longer than the idle timeout.');
    expect(format.succeeded(output)).toBe(false);
    expect(row).toMatchObject({ outcome: 'upstream_error', error: 'The upstream sent nothing for longer than the idle timeout.' });
    await s10.waitForAbort(2000);
  });

  it.concurrent.each(FORMATS)(`S10 ($label): heartbeats every ${BEAT_MS} ms through ${BEATS * BEAT_MS} ms without content (longer than the idle timeout fires) keep the stream alive; it ends well`, async (format) => {
    const { output, row } = await s10Through(format, 'heartbeat');
    expect(format.succeeded(output)).toBe(true);
    expect(format.errorAtEnd(output)).toBeNull();
    expect(format.text(output)).toBe(format.text(format.golden().join('')));
    expect(row).toMatchObject({ outcome: 'ok', error: null, inputTokens: 17, outputTokens: 29 });
  });
});
