/**
 * Golden Gemini streams (__fixtures__/*.sse, `streamGenerateContent?alt=sse` as the API frames
 * them: CRLF CRLF between events, no terminator) replayed through the proxy's own stream stage
 * (`inspectStream` with this adapter's reader and a real Recorder) at every byte split point and
 * at many multi-split patterns: the client gets the same bytes and the reader the same view
 * whichever way the upstream's bytes were cut, UTF-8 characters included.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { inspectStream } from '../../pipeline/inspect-stream.js';
import { Recorder } from '../../pipeline/record.js';
import { createAuditLog } from '../../store/audit-log.js';
import { createProxyMetrics } from '../../telemetry/metrics.js';
import { createSqliteStore } from '../../store/sqlite-store.js';
import type { InteractionRecord } from '../../types.js';
import type { ResponseView } from '../types.js';
import { decodeGenerateResponse } from './decode-response.js';
import { geminiStreamReader } from './decode-stream.js';
import { geminiAdapter } from './index.js';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url));

/** Every audit row the replays wrote, through the real audit log, into the real (in-memory) store. */
const store = createSqliteStore(':memory:');
const auditLog = createAuditLog(store, 0, (error) => {
  throw error;
});
const deps = { metrics: createProxyMetrics(), auditLog, keepBodies: true, maxBodyBytes: 1 << 20 };

interface Replay {
  output: string;
  view: ResponseView;
  /** The row the replay wrote (read only when asked: the every-split-point loops skip it). */
  row: InteractionRecord;
}

/** Feeds `chunks` to the stream stage as the upstream body and reads what the client gets. */
async function replay(chunks: Uint8Array[], end: 'eof' | 'reset' = 'eof', withRow = true): Promise<Replay> {
  const recorder = new Recorder(deps, performance.now());
  recorder.provider = 'gemini';
  recorder.operation = 'generate_content';
  recorder.stream = true;
  const reader = geminiStreamReader();
  const body = Object.assign(
    (async function* () {
      for (const chunk of chunks) yield Buffer.from(chunk);
      if (end === 'reset') throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    })(),
    { destroy: () => undefined },
  );
  const output = await new Response(inspectStream({ body, format: 'sse', operation: 'generate_content', reader, adapter: geminiAdapter, recorder, status: 200, signal: new AbortController().signal, guard: null })).text();
  const view = structuredClone(reader.view());
  if (!withRow) return { output, view, row: undefined as unknown as InteractionRecord };
  await auditLog.flush();
  const [row] = await store.listInteractions({ limit: 1 });
  return { output, view, row: row! };
}

function cut(bytes: Uint8Array, at: number[]): Uint8Array[] {
  const edges = [0, ...at, bytes.length];
  return edges.slice(1).map((end, i) => bytes.subarray(edges[i], end));
}

/** mulberry32: deterministic, so a failing split pattern can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function multiSplits(bytes: Uint8Array): number[][] {
  const patterns: number[][] = [];
  for (const size of [1, 2, 3, 5, 7, 13, 64]) patterns.push(Array.from({ length: Math.ceil(bytes.length / size) - 1 }, (_, i) => (i + 1) * size));
  const next = random(bytes.length);
  for (let n = 0; n < 40; n++) {
    const count = 1 + Math.floor(next() * 30);
    patterns.push([...new Set(Array.from({ length: count }, () => 1 + Math.floor(next() * (bytes.length - 1))))].sort((a, b) => a - b));
  }
  return patterns;
}

/** Byte offsets that fall inside a multi-byte UTF-8 character. */
function midCharacterOffsets(bytes: Uint8Array): number[] {
  return [...bytes.keys()].filter((i) => i > 0 && (bytes[i]! & 0xc0) === 0x80);
}

async function expectStableAtEverySplit(bytes: Uint8Array, whole: Replay): Promise<void> {
  for (let at = 1; at < bytes.length; at++) {
    const split = await replay(cut(bytes, [at]), 'eof', false);
    expect(split.output, `split at ${at}`).toBe(whole.output);
    expect(split.view, `split at ${at}`).toEqual(whole.view);
  }
  for (const pattern of multiSplits(bytes)) {
    const split = await replay(cut(bytes, pattern));
    expect(split.output, `splits at ${pattern.join(',')}`).toBe(whole.output);
    expect(split.view, `splits at ${pattern.join(',')}`).toEqual(whole.view);
    expect([split.row.outcome, split.row.inputTokens, split.row.outputTokens]).toEqual([whole.row.outcome, whole.row.inputTokens, whole.row.outputTokens]);
  }
}

describe('Gemini stream fixtures through the stream stage', () => {
  it('text with thinking: text joined, usage from the last event (thoughts count as output), no terminator needed', async () => {
    const bytes = fixture('text.sse');
    expect(midCharacterOffsets(bytes).length).toBeGreaterThan(10);
    const whole = await replay([bytes]);
    expect(whole.view).toEqual({
      model: 'gemini-2.5-flash',
      text: 'Grüezi! Zürich sits where the Limmat leaves the lake — café terraces, blue trams and, on clear days, the snowy Alps. ☕🚋🏔️',
      toolCalls: [],
      usage: { inputTokens: 12, outputTokens: 431, reasoningTokens: 400 },
      finishReason: 'STOP',
    });
    expect(whole.row).toMatchObject({ status: 200, outcome: 'ok', error: null, inputTokens: 12, outputTokens: 431, responseModel: 'gemini-2.5-flash' });
    // The events pass through as events: same data, re-framed with LF, never a [DONE].
    expect(whole.output).not.toContain('[DONE]');
    expect(whole.output.split('\n\n').filter(Boolean).map((event) => JSON.parse(event.replace(/^data: /, '')))).toEqual(
      bytes.toString('utf8').split('\r\n\r\n').filter(Boolean).map((event) => JSON.parse(event.replace(/^data: /, ''))),
    );
    // The same answer as a JSON body gives the same view.
    expect(decodeGenerateResponse(JSON.parse(fixture('text.json').toString('utf8')))).toEqual(whole.view);
    await expectStableAtEverySplit(bytes, whole);
  });

  it('one function call (with a thought signature): without an id it is known by its position, args as JSON text', async () => {
    const bytes = fixture('tool-call.sse');
    const whole = await replay([bytes]);
    expect(whole.view.toolCalls).toEqual([{ id: '#0.0', name: 'get_weather', arguments: '{"city":"Zürich","unit":"celsius"}' }]);
    expect(whole.view.usage).toEqual({ inputTokens: 58, outputTokens: 93, reasoningTokens: 74 });
    expect(decodeGenerateResponse(JSON.parse(fixture('tool-call.json').toString('utf8')))).toEqual(whole.view);
    await expectStableAtEverySplit(bytes, whole);
  });

  it('parallel function calls after a text event: all calls, in order', async () => {
    const bytes = fixture('parallel-tool-calls.sse');
    const whole = await replay([bytes]);
    expect(whole.view.text).toBe("I'll look up both cities at once.");
    expect(whole.view.toolCalls.map((call) => [call.id, call.name, call.arguments])).toEqual([
      ['#0.0', 'get_weather', '{"city":"Zürich"}'],
      ['#0.1', 'get_weather', '{"city":"Genève"}'],
      ['#0.2', 'get_time', '{"zone":"Europe/Zurich"}'],
    ]);
    expect(whole.view.usage).toEqual({ inputTokens: 71, outputTokens: 42 });
    expect(decodeGenerateResponse(JSON.parse(fixture('parallel-tool-calls.json').toString('utf8')))).toEqual(whole.view);
    await expectStableAtEverySplit(bytes, whole);
  });

  it('an error event mid-stream: passed on as the upstream sent it, recorded as upstream_error with the partial usage', async () => {
    const bytes = fixture('error-mid-stream.sse');
    const whole = await replay([bytes]);
    expect(whole.row).toMatchObject({ status: 200, outcome: 'upstream_error', error: 'The model is overloaded. Please try again later.', inputTokens: 9, outputTokens: 0 });
    const events = whole.output.split('\n\n').filter(Boolean);
    expect(events).toHaveLength(3);
    expect(JSON.parse(events[2]!.replace(/^data: /, ''))).toEqual({ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } });
    expect(whole.view.text).toBe("Here is a long answer about the Üetliberg — it is Zürich's local mountain, 869 m high,");
    await expectStableAtEverySplit(bytes, whole);
  });

  it('a connection that breaks mid-stream: the client gets a Gemini error event, the row says upstream_error', async () => {
    const bytes = fixture('text.sse');
    const firstEvent = bytes.indexOf('\r\n\r\n') + 4;
    const broken = await replay([bytes.subarray(0, firstEvent)], 'reset');
    const events = broken.output.split('\n\n').filter(Boolean).map((event) => JSON.parse(event.replace(/^data: /, '')));
    expect(events).toHaveLength(2);
    expect(events[1]).toEqual({ error: { code: 502, message: 'The upstream connection broke off mid-stream.', status: 'UNAVAILABLE' } });
    expect(broken.row).toMatchObject({ outcome: 'upstream_error', inputTokens: 12 });
  });

  it('an unterminated last event is not emitted, and the stream still ends cleanly at EOF', async () => {
    const bytes = fixture('parallel-tool-calls.sse');
    const truncated = await replay([bytes.subarray(0, bytes.length - 4)]);
    expect(truncated.output.split('\n\n').filter(Boolean)).toHaveLength(1);
    expect(truncated.view.toolCalls).toEqual([]);
    expect(truncated.row.outcome).toBe('ok');
  });
});
