/**
 * Golden Anthropic streams (__fixtures__/*.sse) replayed through the proxy's own stream stage
 * (`inspectStream` with this adapter's reader and a real Recorder) at every byte split point and
 * at many multi-split patterns: the client must get the same bytes and the reader the same view
 * whichever way the upstream's bytes were cut, UTF-8 characters included.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { inspectStream } from '../../pipeline/inspect-stream.js';
import type { ToolCallGuard } from '../../pipeline/policy-stage.js';
import { Recorder } from '../../pipeline/record.js';
import { createAuditLog } from '../../store/audit-log.js';
import { createSqliteStore } from '../../store/sqlite-store.js';
import { createProxyMetrics } from '../../telemetry/metrics.js';
import type { InteractionRecord } from '../../types.js';
import type { ResponseView } from '../types.js';
import { decodeMessageResponse } from './decode-response.js';
import { messagesStreamReader } from './decode-stream.js';
import { anthropicAdapter } from './index.js';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url));

/** An event named for its data's type, as Anthropic sends them. */
const named = (type: string, payload: object) => ({ event: type, data: JSON.stringify({ type, ...payload }) });
const MESSAGE = { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'claude-sonnet-4-6', stop_reason: null, usage: { input_tokens: 5, output_tokens: 1 } };

/** The replays' audit rows go through the real audit log into a real (in-memory) SQLite store. */
const store = createSqliteStore(':memory:');
const auditLog = createAuditLog(store, 60_000, (error) => {
  throw error;
});
const deps = { metrics: createProxyMetrics(), auditLog, keepBodies: true, maxBodyBytes: 1 << 20 };

interface Replay {
  output: string;
  view: ResponseView;
}

let replays = 0;

/**
 * Feeds `chunks` to the stream stage as the upstream body and reads what the client gets. The
 * audit row is tagged with `tag` as its session id (see `rowsOf`).
 */
async function replay(chunks: Uint8Array[], tag = `single-${++replays}`, guard: ToolCallGuard | null = null): Promise<Replay> {
  const recorder = new Recorder(deps, performance.now());
  recorder.provider = 'anthropic';
  recorder.operation = 'chat';
  recorder.stream = true;
  recorder.context = { sessionId: tag };
  const reader = messagesStreamReader();
  const body = Object.assign(
    (async function* () {
      for (const chunk of chunks) yield Buffer.from(chunk);
    })(),
    { destroy: () => undefined },
  );
  const stream = inspectStream({ body, format: 'sse', operation: 'chat', reader, adapter: anthropicAdapter, recorder, status: 200, signal: new AbortController().signal, guard });
  const output = await new Response(stream).text();
  return { output, view: structuredClone(reader.view()) };
}

/** The audit rows of the replays tagged `tag`, written through the real audit log into SQLite. */
async function rowsOf(tag: string): Promise<InteractionRecord[]> {
  await auditLog.flush();
  return store.listInteractions({ sessionId: tag, limit: 100_000 });
}

/** `bytes` cut at the given offsets. */
function cut(bytes: Uint8Array, at: number[]): Uint8Array[] {
  const edges = [0, ...at, bytes.length];
  return edges.slice(1).map((end, i) => bytes.subarray(edges[i], end));
}

/** A small deterministic PRNG (mulberry32), so a failing split pattern can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Many awkward ways to cut `bytes`: every byte, fixed sizes, and random cut sets. */
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

const empty = { inputTokens: null, outputTokens: null };
const cases: { name: string; view: ResponseView; outcome: InteractionRecord['outcome']; error: string | null }[] = [
  {
    name: 'text.sse',
    view: { model: 'claude-sonnet-4-6', text: 'Grüezi aus Zürich! Das Wetter: sonnig ☀️, 21 °C. 東京は晴れ 🌤 — fertig.', toolCalls: [], usage: { inputTokens: 21, outputTokens: 38 }, finishReason: 'end_turn' },
    outcome: 'ok',
    error: null,
  },
  {
    name: 'tool-use.sse',
    view: {
      model: 'claude-sonnet-4-6',
      text: "Okay, let's check the weather for Zürich, Switzerland.",
      toolCalls: [{ id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '{"location":"Zürich, Switzerland","unit":"celsius"}' }],
      usage: { inputTokens: 472, outputTokens: 89 },
      finishReason: 'tool_use',
    },
    outcome: 'ok',
    error: null,
  },
  {
    name: 'parallel-tool-use.sse',
    view: {
      model: 'claude-opus-4-5-20251101',
      text: "I'll read the invoice and email the summary.",
      toolCalls: [
        { id: 'toolu_01A09q90qw90lq917835lq9', name: 'read_file', arguments: '{"path":"/invoices/2025-03.pdf"}' },
        { id: 'toolu_01B19r01rx01mr028946mr0', name: 'send_email', arguments: '{"to":"billing@example.com","subject":"Rechnung März ✓","body":"Total: 1 234,50 €"}' },
        { id: 'toolu_01C29s12sy12ns139057ns1', name: 'get_time', arguments: '{}' },
      ],
      usage: { inputTokens: 958, outputTokens: 173 },
      finishReason: 'tool_use',
    },
    outcome: 'ok',
    error: null,
  },
  {
    name: 'thinking.sse',
    view: { model: 'claude-sonnet-4-6', text: '27 × 453 = 12 231.', toolCalls: [], usage: { inputTokens: 64, outputTokens: 211 }, finishReason: 'end_turn' },
    outcome: 'ok',
    error: null,
  },
  {
    name: 'error-mid-stream.sse',
    // Usage so far: input from message_start, output as message_start provisionally said.
    view: { model: 'claude-sonnet-4-6', text: 'Let me think about that — ', toolCalls: [], usage: { inputTokens: 1337, outputTokens: 1 }, finishReason: null },
    outcome: 'upstream_error',
    error: 'overloaded_error: Overloaded',
  },
];

describe.each(cases)('golden stream $name through the proxy stream stage', ({ name, view, outcome, error }) => {
  const bytes = fixture(name);
  const text = bytes.toString('utf8');

  const row = { provider: 'anthropic', stream: true, status: 200, outcome, error, inputTokens: view.usage.inputTokens, outputTokens: view.usage.outputTokens, responseModel: view.model };

  it('unsplit: the client gets the upstream bytes unchanged; the view, usage and outcome are as recorded', async () => {
    const whole = await replay([bytes], `${name}-whole`);
    expect(whole.output).toBe(text);
    expect(whole.view).toEqual(view);
    expect(whole.view.usage).not.toEqual(empty);
    const rows = await rowsOf(`${name}-whole`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject(row);
  });

  it(`split in two at every one of its byte offsets (mid-UTF-8 included): same output, same view`, async () => {
    expect(bytes.length).toBeGreaterThan(text.length); // the fixture holds multi-byte characters
    for (let at = 1; at < bytes.length; at++) {
      const result = await replay(cut(bytes, [at]), `${name}-split`);
      if (result.output !== text) expect(result.output, `split at byte ${at}`).toBe(text);
      expect(result.view, `split at byte ${at}`).toEqual(view);
    }
    // One audit row per replay, each with the same outcome, usage and model.
    const rows = await rowsOf(`${name}-split`);
    expect(rows).toHaveLength(bytes.length - 1);
    for (const each of rows) expect(each).toMatchObject(row);
  });

  it('cut into many pieces (every byte, fixed sizes, 40 random cut sets): same output, same view', async () => {
    for (const at of multiSplits(bytes)) {
      const result = await replay(cut(bytes, at));
      expect(result.output, `cuts ${at.join(',')}`).toBe(text);
      expect(result.view, `cuts ${at.join(',')}`).toEqual(view);
    }
  });
});

describe('stream decoding details', () => {
  it('a streamed tool call reads the same as the JSON response of the same message', async () => {
    const streamed = await replay([fixture('tool-use.sse')]);
    expect(streamed.view).toEqual(decodeMessageResponse(JSON.parse(fixture('tool-use.json').toString('utf8'))));
  });

  it('CRLF line endings cut mid-CRLF give the same view; the client gets the events re-encoded with LF', async () => {
    const lf = fixture('tool-use.sse').toString('utf8');
    const crlf = Buffer.from(lf.replace(/\n/g, '\r\n'));
    const firstCr = crlf.indexOf('\r\n'.charCodeAt(0));
    for (const at of [[firstCr + 1], multiSplits(crlf)[2]!]) {
      const result = await replay(cut(crlf, at));
      expect(result.view).toEqual(cases[1]!.view);
      expect(result.output).toBe(lf);
    }
  });

  it('a stream cut before message_stop: the client gets an Anthropic error event; the row is upstream_error with the usage so far', async () => {
    const text = fixture('text.sse').toString('utf8');
    const truncated = text.slice(0, text.indexOf('event: message_delta'));
    const result = await replay([Buffer.from(truncated)], 'truncated');
    expect(result.output.startsWith(truncated)).toBe(true);
    const tail = result.output.slice(truncated.length);
    expect(tail).toMatch(/^event: error\ndata: .*\n\n$/);
    expect(JSON.parse(tail.split('\n')[1]!.slice('data: '.length))).toEqual({ type: 'error', error: { type: 'api_error', message: 'The upstream stream ended without its terminator.' } });
    expect(await rowsOf('truncated')).toMatchObject([{ outcome: 'upstream_error', inputTokens: 21, outputTokens: 1 }]);
  });

  it('an error event whose data is not JSON is still an error; unknown event types pass without changing the view', () => {
    const reader = messagesStreamReader();
    expect(reader.read({ event: 'error', data: 'upstream exploded' })).toEqual({ error: 'The upstream reported an error mid-stream.' });
    expect(reader.read(named('message_start', { message: MESSAGE }))).toEqual({});
    expect(reader.read(named('content_block_start', { index: 0, content_block: { type: 'text', text: 'Hi' } }))).toEqual({});
    expect(reader.read({ event: 'some_future_event', data: '{"type":"some_future_event","index":0}' })).toEqual({});
    expect(reader.read({ event: 'ping', data: '{"type":"ping"}' })).toEqual({});
    expect(reader.read(named('content_block_delta', { index: 0, delta: { type: 'citations_delta', citation: {} } }))).toEqual({});
    expect(reader.read(named('message_stop', {}))).toEqual({ terminal: true });
    expect(reader.view()).toMatchObject({ text: 'Hi', toolCalls: [] });
  });

  it('tool-call arguments that do not parse (a stream cut mid-call) stay as they came in the view (for the audit row)', () => {
    const reader = messagesStreamReader();
    reader.read(named('message_start', { message: MESSAGE }));
    reader.read(named('content_block_start', { index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'send', input: {} } }));
    reader.read(named('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '{"to": "a@' } }));
    expect(reader.view().toolCalls).toEqual([{ id: 'toolu_1', name: 'send', arguments: '{"to": "a@' }]);
  });
});

describe('tool calls held for the policy decision (the stream guard)', () => {
  const allow: ToolCallGuard = { judge: () => [], remember() {}, enforcing: true };
  const refuseEmail: ToolCallGuard = {
    judge: (answer) => answer.toolCalls.filter((call) => call.name === 'send_email').map((call) => ({ toolCallId: call.id, tool: call.name, reason: 'recipient found only in untrusted content' })),
    remember() {},
    enforcing: true,
  };

  it('the reader flags a tool call from its content_block_start and every input_json_delta, and nothing else', () => {
    const events = fixture('tool-use.sse').toString('utf8').split('\n\n').filter(Boolean).map((raw) => ({ event: raw.split('\n')[0]!.slice(7), data: raw.split('\n')[1]!.slice(6) }));
    const reader = messagesStreamReader();
    const flagged = events.filter((event) => reader.read(event).toolCall).map((event) => JSON.parse(event.data));
    expect(flagged.map((event) => event.type)).toEqual(['content_block_start', ...Array(6).fill('content_block_delta')]);
    expect(flagged.every((event) => event.index === 1)).toBe(true);
  });

  it.each(['tool-use.sse', 'parallel-tool-use.sse'])('%s: a guard that allows the calls changes nothing, at every split point', async (name) => {
    const bytes = fixture(name);
    const { view } = cases.find((c) => c.name === name)!;
    for (let at = 1; at < bytes.length; at++) {
      const result = await replay(cut(bytes, [at]), `${name}-allowed`, allow);
      expect(result.output, `split at byte ${at}`).toBe(bytes.toString('utf8'));
      expect(result.view, `split at byte ${at}`).toEqual(view);
    }
  });

  it('P8: a refused send_email: no fragment of it reaches the client at any split point; the text before the calls and the calls kept do', async () => {
    const bytes = fixture('parallel-tool-use.sse');
    const text = bytes.toString('utf8');
    const beforeCalls = text.slice(0, text.indexOf('event: content_block_start\ndata: {"type":"content_block_start","index":1'));
    const { view: original } = cases.find((c) => c.name === 'parallel-tool-use.sse')!;
    const whole = (await replay([bytes], 'refused', refuseEmail)).output;
    for (let at = 1; at < bytes.length; at++) {
      const { output } = await replay(cut(bytes, [at]), 'refused', refuseEmail);
      if (output !== whole) expect(output, `split at byte ${at}`).toBe(whole);
    }
    expect(whole.startsWith(beforeCalls)).toBe(true);
    const rest = whole.slice(beforeCalls.length);
    for (const fragment of ['billing@', 'ling@exam', 'send_email"', 'toolu_01B19r01rx01mr028946mr0']) expect(rest).not.toContain(fragment);
    expect(rest).toContain('send_email: recipient found only in untrusted content');
    const reader = messagesStreamReader();
    for (const raw of whole.split('\n\n').filter(Boolean)) reader.read({ event: raw.split('\n')[0]!.slice(7), data: raw.split('\n')[1]!.slice(6) });
    expect(reader.view().toolCalls).toEqual(original.toolCalls.filter((call) => call.name !== 'send_email'));
  });
});
