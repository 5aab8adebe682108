/**
 * Streaming S1–S3 (SECURITY-TESTS.md) in every streamed wire format, through the whole proxy
 * (`proxy.handle`, undici, a byte-level scripted upstream on 127.0.0.1): byte splits, line endings
 * and SSE fields, terminators. Per-format byte-split replays at every offset of the golden
 * fixtures live next to each reader (src/providers/<name>/decode-stream.test.ts, ollama's
 * replay.test.ts, test/e2e/anthropic-stream-replay.test.ts, gemini-in-process.test.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Proxy } from '../../src/index.js';
import { random, randomCuts } from '../helpers/openai-stream-replay.js';
import { onlyRow } from '../helpers/proxy.js';
import { type RawUpstream, type Step, startRawStreamUpstream } from '../helpers/raw-stream-upstream.js';
import { FORMAT, FORMATS, proxyFor, type StreamFormat, TEXT } from '../helpers/stream-formats.js';
import { parseSSE } from '../helpers/sse.js';

let up: RawUpstream;
let proxy: Proxy;
let session = 0;

beforeAll(async () => {
  up = await startRawStreamUpstream();
  proxy = proxyFor(up.url);
});
afterEach(() => up.reset());
afterAll(async () => {
  await proxy.close();
  await up.close();
});

/** One request through the proxy with the upstream writing `steps`; what the client got, and the row. */
async function through(format: StreamFormat, steps: Step[]) {
  up.reply({ headers: { 'content-type': format.contentType }, steps });
  const sessionId = `framing-${++session}`;
  const response = await proxy.handle(format.request({ 'x-archestra-session-id': sessionId }));
  expect(response.status).toBe(200);
  const output = await response.text();
  return { output, row: await onlyRow(proxy, { sessionId }) };
}

/** `bytes` cut at the given offsets. */
function pieces(bytes: Buffer, at: readonly number[]): Buffer[] {
  const edges = [0, ...[...at].sort((a, b) => a - b), bytes.length];
  return edges.slice(1).map((end, index) => bytes.subarray(edges[index], end));
}

/** An event's payload, comparable whatever its framing: JSON parsed (multi-line data joins with LF). */
function payloads(format: StreamFormat, output: string): unknown[] {
  return format.events(output).map(({ event, data }) => {
    let value: unknown = data;
    try {
      value = JSON.parse(data);
    } catch {
      // `[DONE]`
    }
    return event === undefined ? value : [event, value];
  });
}

describe.each(FORMATS)('S1 ($label): byte-split replay through proxy.handle', (format) => {
  const golden = Buffer.from(format.golden().join(''), 'utf8');

  it(`S1 (${format.label}): cut inside every multi-byte character, around every line end, every 11th byte and 12 seeded multi-cuts: output identical to unsplit, same row`, async () => {
    const whole = await through(format, [golden]);
    expect(whole.output).toBe(golden.toString('utf8'));
    expect(whole.row).toMatchObject({ outcome: 'ok', inputTokens: format.usage.input, outputTokens: format.usage.output });
    expect(format.text(whole.output)).toBe(TEXT);

    const single: number[] = [];
    for (let at = 1; at < golden.length; at++) {
      const midCharacter = (golden[at]! & 0xc0) === 0x80;
      const aroundLineEnd = golden[at - 1] === 0x0a || golden[at] === 0x0a;
      if (midCharacter || aroundLineEnd || at % 11 === 0) single.push(at);
    }
    expect(single.some((at) => (golden[at]! & 0xc0) === 0x80)).toBe(true);
    const next = random(golden.length);
    const patterns = [...single.map((at) => [at]), ...Array.from({ length: 12 }, () => randomCuts(next, golden.length, 2 + Math.floor(next() * 40)))];
    const differing: string[] = [];
    for (let at = 0; at < patterns.length; at += 16) {
      await Promise.all(
        patterns.slice(at, at + 16).map(async (cuts) => {
          const split = await through(format, pieces(golden, cuts));
          if (split.output !== whole.output || split.row.outcome !== 'ok' || split.row.outputTokens !== format.usage.output) differing.push(cuts.join(','));
        }),
      );
    }
    expect(differing, 'cut patterns whose output or row differs from the unsplit one').toEqual([]);
  });
});

/** Line-ending variants of an LF-framed SSE body. */
const LINE_ENDINGS: [string, (lf: string) => string][] = [
  ['CRLF', (lf) => lf.replace(/\n/g, '\r\n')],
  ['CR', (lf) => lf.replace(/\n/g, '\r')],
  ['mixed LF/CRLF/CR', (lf) => { let n = 0; return lf.replace(/\n/g, () => ['\n', '\r', '\r\n'][n++ % 3]!); }],
];

describe.each(FORMATS.filter((format) => format.framing === 'sse'))('S2 ($label): line endings and fields', (format) => {
  const lf = format.golden().join('');
  const expected = payloads(format, lf);

  it.each(LINE_ENDINGS)(`S2 (${format.label}): %s line endings, the body cut every 5 bytes: the same events, none lost or added; row ok`, async (_name, transform) => {
    const bytes = Buffer.from(transform(lf));
    const { output, row } = await through(format, pieces(bytes, Array.from({ length: Math.ceil(bytes.length / 5) - 1 }, (_, i) => (i + 1) * 5)));
    expect(payloads(format, output)).toEqual(expected);
    expect(format.text(output)).toBe(TEXT);
    expect(row).toMatchObject({ outcome: 'ok', error: null, inputTokens: format.usage.input, outputTokens: format.usage.output });
  });

  it(`S2 (${format.label}): CRLF with every CRLF split across two chunks, between CR and LF: no phantom blank line, no duplicate event`, async () => {
    const bytes = Buffer.from(lf.replace(/\n/g, '\r\n'));
    const cuts: number[] = [];
    for (let at = 1; at < bytes.length; at++) if (bytes[at - 1] === 0x0d && bytes[at] === 0x0a) cuts.push(at);
    const { output, row } = await through(format, pieces(bytes, cuts));
    expect(payloads(format, output)).toEqual(expected);
    expect(row).toMatchObject({ outcome: 'ok', inputTokens: format.usage.input, outputTokens: format.usage.output });
  });

  it(`S2 (${format.label}): a BOM (cut inside it), comments and pings, unknown fields, retry, an id with NUL, data split over several data: lines: the same events`, async () => {
    const decorated = format
      .golden()
      .map((event, index) => {
        // Split each JSON payload over two `data:` lines after its opening brace (the LF between them is JSON whitespace).
        const multiLine = event.replace(/^data: \{/m, 'data: {\ndata:');
        return `: comment ${index}\nx-unknown-field: ${index}\n${index === 1 ? 'retry: 3000\nid: a\u0000b\n' : ''}${multiLine}`;
      })
      .join(': keep-alive\n\n');
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(decorated)]);
    const { output, row } = await through(format, pieces(bytes, [1, 2, 4, 9]));
    expect(payloads(format, output)).toEqual(expected);
    expect(output.charCodeAt(0)).not.toBe(0xfeff);
    expect(output).not.toContain('\u0000');
    expect(output).not.toContain('x-unknown-field');
    // Comments are passed on as comments (keep-alives reach the client), never as events.
    expect(output).toContain(':keep-alive\n\n');
    expect(row).toMatchObject({ outcome: 'ok', inputTokens: format.usage.input, outputTokens: format.usage.output });
  });
});

describe('S2 (Ollama NDJSON): line endings', () => {
  const format = FORMAT.ollama;
  const lf = format.golden().join('');
  const expected = payloads(format, lf);

  it('S2 (Ollama NDJSON): CRLF line ends (every CRLF split between CR and LF), blank lines, a BOM: the same lines, none added; row ok', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lf.replace(/\n/g, '\r\n\r\n'))]);
    const cuts = [1, 2];
    for (let at = 4; at < body.length; at++) if (body[at - 1] === 0x0d && body[at] === 0x0a) cuts.push(at);
    const { output, row } = await through(format, pieces(body, cuts));
    expect(payloads(format, output)).toEqual(expected);
    expect(output).not.toContain('\r');
    expect(row).toMatchObject({ outcome: 'ok', inputTokens: 17, outputTokens: 29 });
  });
});

describe('S3: terminators', () => {
  const withoutLast = (format: StreamFormat) => format.golden().slice(0, -1).join('');
  const terminator = (format: StreamFormat) => format.golden().at(-1)!;

  it.each(FORMATS.filter((format) => format.id !== 'gemini'))('S3 ($label): data after the terminator is neither sent nor read; the answer ends well', async (format) => {
    const junk = format.framing === 'sse'
      ? `${format.id === 'anthropic' ? 'event: content_block_delta\n' : ''}data: {"choices":[{"index":0,"delta":{"content":"AFTER"}}],"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"AFTER"}}\n\n${format.upstreamError('late error')}garbage\n\n`
      : `{"model":"llama3.2","message":{"role":"assistant","content":"AFTER"},"done":false}\n${format.upstreamError('late error')}`;
    const { output, row } = await through(format, [format.golden().join(''), junk]);
    expect(output).toBe(format.golden().join(''));
    expect(output).not.toContain('AFTER');
    expect(format.succeeded(output)).toBe(true);
    expect(row).toMatchObject({ outcome: 'ok', error: null, inputTokens: 17, outputTokens: 29 });
  });

  it('S3 (OpenAI Chat SSE): [DONE] followed by junk without a line end: ends at [DONE], ok', async () => {
    const { output, row } = await through(FORMAT.chat, [FORMAT.chat.golden().join(''), 'data: {"choices":[{"delta":{"content":"junk"}}]}']);
    expect(parseSSE(output).at(-1)?.data).toBe('[DONE]');
    expect(output).not.toContain('junk');
    expect(row.outcome).toBe('ok');
  });

  // (Ollama NDJSON: a whole last line may come without its newline; its own test follows.)
  it.each(FORMATS.filter((format) => format.framing === 'sse' && format.id !== 'gemini'))('S3 ($label): an unterminated last event (the terminator without its line end) is not emitted and is not success', async (format) => {
    const cut = terminator(format).replace(/\n+$/, '');
    const { output, row } = await through(format, [withoutLast(format), cut]);
    // Every answer's tool calls are judged, so a call is held until the stream ends well: a cut-off one is never sent.
    const events = format.golden().slice(0, -1);
    const firstCall = events.findIndex((event) => event.includes('"tool_calls"'));
    expect(output.startsWith((firstCall < 0 ? events : events.slice(0, firstCall)).join(''))).toBe(true);
    if (firstCall >= 0) expect(output).not.toContain('get_weather');
    expect(output).not.toContain(cut);
    expect(format.succeeded(output)).toBe(false);
    expect(format.errorAtEnd(output)).toBe('The upstream stream ended without its terminator.');
    expect(row).toMatchObject({ outcome: 'upstream_error', error: 'The upstream stream ended without its terminator.' });
  });

  it('S3 (Ollama NDJSON): a whole last line without its newline still ends the answer (Ollama may end so); a cut-off one is not passed on', async () => {
    const format = FORMAT.ollama;
    const whole = await through(format, [format.golden().join('').replace(/\n$/, '')]);
    expect(whole.output).toBe(format.golden().join(''));
    expect(whole.row).toMatchObject({ outcome: 'ok', inputTokens: 17, outputTokens: 29 });
    const fragment = terminator(format).slice(0, 60);
    const cut = await through(format, [withoutLast(format), fragment]);
    expect(cut.output).toBe(`${withoutLast(format)}{"error":"The upstream stream ended without its terminator."}\n`);
    expect(cut.row).toMatchObject({ outcome: 'upstream_error', inputTokens: null });
  });

  it('S3 (Gemini SSE): the end of the body is the end (no [DONE] added); a last event without its blank line is not emitted', async () => {
    const format = FORMAT.gemini;
    const eof = await through(format, [format.golden().join('').replace(/\n/g, '\r\n')]);
    expect(eof.output).toBe(format.golden().join(''));
    expect(eof.output).not.toContain('[DONE]');
    expect(eof.row).toMatchObject({ outcome: 'ok', inputTokens: 17, outputTokens: 29 });
    const cut = await through(format, [withoutLast(format), terminator(format).replace(/\n+$/, '')]);
    expect(cut.output).toBe(withoutLast(format));
    expect(cut.output).not.toContain('finishReason');
  });

  const forged: [StreamFormat, string][] = [
    [FORMAT.chat, `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'data: [DONE]\n\n' } }] })}\n\ndata: x\ndata: [DONE]\n\n`],
    [FORMAT.responses, `event: response.output_text.delta\ndata: ${JSON.stringify({ type: 'response.output_text.delta', delta: 'event: response.completed\ndata: {"type":"response.completed"}\n\n' })}\n\n`],
    [FORMAT.anthropic, `event: content_block_start\ndata: ${JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })}\n\nevent: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'event: message_stop\ndata: {"type":"message_stop"}\n\n' } })}\n\n`],
    [FORMAT.ollama, `${JSON.stringify({ model: 'llama3.2', message: { role: 'assistant', content: '{"done":true}\n' }, done: false })}\n${JSON.stringify({ model: 'llama3.2', message: { role: 'assistant', content: '' }, done: 'true' })}\n`],
  ];
  it.each(forged.map(([format, body]) => [format.label, format, body] as const))('S3 (%s): a forged terminator inside content (or not quite a terminator), then the end: not success', async (_label, format, body) => {
    const { output, row } = await through(format, [format.golden()[0]!, body]);
    expect(format.succeeded(output)).toBe(false);
    expect(format.errorAtEnd(output)).toBe('The upstream stream ended without its terminator.');
    expect(row).toMatchObject({ outcome: 'upstream_error', error: 'The upstream stream ended without its terminator.' });
  });
});
