/**
 * The golden Anthropic streams (src/providers/anthropic/__fixtures__) served by a real upstream
 * over a socket, cut at awkward places, through the whole proxy (`proxy.handle`): the client gets
 * the fixture byte for byte, and the audit row the same model, usage and outcome whatever the cuts.
 * (Every single split point is covered, faster, in src/providers/anthropic/decode-stream.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProxy, type Proxy } from '../../src/index.js';
import { onlyRow, rawRequest } from '../helpers/proxy.js';
import { type ScriptedAnthropic, type StreamOptions, startAnthropicUpstream } from '../upstream/anthropic.js';

const fixtures: { name: string; model: string; inputTokens: number; outputTokens: number; outcome: string; error: string | null }[] = [
  { name: 'text.sse', model: 'claude-sonnet-4-6', inputTokens: 21, outputTokens: 38, outcome: 'ok', error: null },
  { name: 'tool-use.sse', model: 'claude-sonnet-4-6', inputTokens: 472, outputTokens: 89, outcome: 'ok', error: null },
  { name: 'parallel-tool-use.sse', model: 'claude-opus-4-5-20251101', inputTokens: 958, outputTokens: 173, outcome: 'ok', error: null },
  { name: 'thinking.sse', model: 'claude-sonnet-4-6', inputTokens: 64, outputTokens: 211, outcome: 'ok', error: null },
  { name: 'error-mid-stream.sse', model: 'claude-sonnet-4-6', inputTokens: 1337, outputTokens: 1, outcome: 'upstream_error', error: 'overloaded_error: Overloaded' },
];

/** Offsets inside multi-byte UTF-8 characters (after a lead byte, before the character ends). */
function midCharacterOffsets(bytes: Buffer): number[] {
  const offsets: number[] = [];
  for (let i = 1; i < bytes.length; i++) if ((bytes[i]! & 0xc0) === 0x80) offsets.push(i);
  return offsets;
}

/** Offsets inside the SSE framing: between the two newlines of each event's end, and inside `event:`/`data:`. */
function framingOffsets(text: string, bytes: Buffer): number[] {
  const offsets: number[] = [];
  for (const [pattern, into] of [['\n\n', 1], ['event:', 3], ['data:', 2]] as const) {
    for (let at = text.indexOf(pattern); at !== -1; at = text.indexOf(pattern, at + 1)) offsets.push(Buffer.byteLength(text.slice(0, at)) + into);
  }
  return offsets.filter((offset) => offset < bytes.length).sort((a, b) => a - b);
}

let up: ScriptedAnthropic;
let proxy: Proxy;
let session = 0;

beforeAll(async () => {
  up = await startAnthropicUpstream();
  // Byte for byte needs the streamed-answer data-leak guards off: they hold back text that could
  // still start a secret (a trailing `-` may open a PEM block), which moves delta boundaries.
  // Equivalence with the guards on: test/e2e/policy-data-leak-stream.test.ts.
  proxy = createProxy({ providers: { anthropic: { baseUrl: up.url } }, policies: { dataLeak: { secrets: 'off' } } });
});
afterEach(() => up.reset());
afterAll(async () => {
  await proxy.close();
  await up.close();
});

describe.each(fixtures)('golden stream $name over a socket, through proxy.handle', ({ name, model, inputTokens, outputTokens, outcome, error }) => {
  const bytes = readFileSync(new URL(`../../src/providers/anthropic/__fixtures__/${name}`, import.meta.url));
  const text = bytes.toString('utf8');
  const cuts: [string, StreamOptions][] = [
    ['unsplit', {}],
    ['cut inside every multi-byte character', { splitAt: midCharacterOffsets(bytes) }],
    ['cut inside the SSE framing of every event', { splitAt: framingOffsets(text, bytes) }],
    ['one byte at a time', { splitBytes: 1 }],
    ['7 bytes at a time, 1 ms apart', { splitBytes: 7, chunkDelayMs: 1 }],
  ];

  it.each(cuts)('%s: the fixture reaches the client unchanged; same row', async (_how, options) => {
    up.reply({ kind: 'raw', status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' }, body: text }, options);
    const sessionId = `replay-${++session}`;
    const body = { model, max_tokens: 1024, stream: true, messages: [{ role: 'user', content: 'hi' }] };
    const response = await proxy.handle(rawRequest('/anthropic/v1/messages', { body, headers: { 'x-api-key': 'sk-ant-api03-replay', 'anthropic-version': '2023-06-01', 'x-archestra-session-id': sessionId } }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(await response.text()).toBe(text);
    expect(await onlyRow(proxy, { sessionId })).toMatchObject({
      provider: 'anthropic', operation: 'chat', stream: true, status: 200, model, responseModel: model, inputTokens, outputTokens, outcome, error, responseBody: text,
    });
  });
});
