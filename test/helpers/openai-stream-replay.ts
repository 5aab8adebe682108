/**
 * Replays a recorded OpenAI stream through the proxy's own stream stage (`inspectStream` with the
 * OpenAI adapter's reader, a real Recorder, audit log and SQLite store), cut into chunks at the
 * given byte offsets, and returns what the client got, the reader's view and the audit row.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { inspectStream } from '../../src/pipeline/inspect-stream.js';
import { Recorder } from '../../src/pipeline/record.js';
import { openaiAdapter } from '../../src/providers/openai/index.js';
import type { ResponseView } from '../../src/providers/types.js';
import { createAuditLog } from '../../src/store/audit-log.js';
import { createSqliteStore } from '../../src/store/sqlite-store.js';
import { createProxyMetrics } from '../../src/telemetry/metrics.js';
import type { InteractionRecord } from '../../src/types.js';

const store = createSqliteStore(':memory:');
const auditLog = createAuditLog(store, 60_000, (error) => {
  throw error;
});
const deps = { metrics: createProxyMetrics(), auditLog, keepBodies: false, maxBodyBytes: 0 };

/** A fixture of src/providers/openai/__fixtures__. */
export function openaiFixture(name: string): Buffer {
  return readFileSync(new URL(`../../src/providers/openai/__fixtures__/${name}`, import.meta.url));
}

export interface Replay {
  output: string;
  view: ResponseView;
}

/** `bytes` cut at the given offsets (ascending). */
export function cut(bytes: Uint8Array, at: readonly number[]): Uint8Array[] {
  const edges = [0, ...at, bytes.length];
  return edges.slice(1).map((end, index) => bytes.subarray(edges[index], end));
}

/** Feeds `chunks` to the stream stage as the upstream's body; reads all the client gets. */
export async function replay(chunks: readonly Uint8Array[], operation: string, injectedUsage = false): Promise<Replay & { recorder: Recorder }> {
  const recorder = new Recorder(deps, performance.now());
  recorder.provider = 'openai';
  recorder.operation = operation;
  recorder.stream = true;
  const reader = openaiAdapter.streamReader({ operation, injectedUsage });
  const body = Object.assign(
    (async function* () {
      for (const chunk of chunks) yield Buffer.from(chunk);
    })(),
    { destroy: () => undefined },
  );
  const stream = inspectStream({ body, format: 'sse', operation, reader, adapter: openaiAdapter, recorder, status: 200, signal: new AbortController().signal, guard: null });
  const output = await new Response(stream).text();
  return { output, view: structuredClone(reader.view()), recorder };
}

/** The audit row of a replay (written through the real audit log into SQLite). */
export async function replayRow(recorder: Recorder): Promise<InteractionRecord> {
  await auditLog.flush();
  const [row] = await store.listInteractions({ limit: 1 });
  if (!row || row.id !== recorder.id) throw new Error('the replay left no audit row');
  return row;
}

/** A small deterministic PRNG (mulberry32), so a failing split pattern can be replayed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` ascending distinct offsets inside `length`. */
export function randomCuts(next: () => number, length: number, count: number): number[] {
  const cuts = new Set<number>();
  while (cuts.size < Math.min(count, length - 1)) cuts.add(1 + Math.floor(next() * (length - 1)));
  return [...cuts].sort((a, b) => a - b);
}
