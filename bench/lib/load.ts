/**
 * Closed-loop load from the SDK: `concurrency` workers, each sending its next request as soon as
 * the previous one is answered, until `total` requests are done. Latency is the SDK call as the
 * user sees it (request built, sent, answer parsed).
 */
import { performance } from 'node:perf_hooks';
import type OpenAI from 'openai';
import { CHAT_BODY, STREAM_BODY, STREAM_EVENTS, TOOLS_BODY, type WorkloadName } from './workloads.js';

export interface BlockResult {
  /** Per-request latency (non-streaming) or time to first content (streaming), microseconds. */
  latencyUs: number[];
  /** Streaming only: each content chunk's delay from the upstream's write to the SDK yielding it (chunks 2..20), microseconds. */
  chunkDelayUs: number[];
  /** Streaming only: time from the first to the last content chunk, microseconds. */
  streamSpanUs: number[];
  elapsedMs: number;
  requests: number;
  errors: number;
  firstError?: string;
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

export async function runBlock(client: OpenAI, workload: WorkloadName, total: number, concurrency: number): Promise<BlockResult> {
  const result: BlockResult = { latencyUs: [], chunkDelayUs: [], streamSpanUs: [], elapsedMs: 0, requests: total, errors: 0 };
  const body = workload === 'tools' ? TOOLS_BODY : CHAT_BODY;
  let started = 0;
  async function worker(): Promise<void> {
    while (started < total) {
      started++;
      try {
        if (workload === 'stream') await oneStream(client, result);
        else {
          const t0 = performance.now();
          const completion = await client.chat.completions.create(body);
          const latency = (performance.now() - t0) * 1000;
          if (!completion.choices?.[0]?.message) throw new Error('answer without a message');
          result.latencyUs.push(latency);
        }
      } catch (error) {
        result.errors++;
        result.firstError ??= error instanceof Error ? `${error.constructor.name}: ${error.message}`.slice(0, 200) : String(error);
      }
    }
  }
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  result.elapsedMs = performance.now() - t0;
  return result;
}

async function oneStream(client: OpenAI, result: BlockResult): Promise<void> {
  const t0 = performance.now();
  const stream = await client.chat.completions.create(STREAM_BODY);
  let first = -1;
  let firstUs = 0;
  let lastUs = 0;
  let contentChunks = 0;
  const delays: number[] = [];
  for await (const chunk of stream) {
    const content = chunk.choices[0]?.delta?.content;
    if (!content) continue;
    const now = nowUs();
    if (first < 0) {
      first = (performance.now() - t0) * 1000;
      firstUs = now;
    } else {
      const sent = (chunk as unknown as { x_bench_sent_us?: number }).x_bench_sent_us;
      if (typeof sent === 'number') delays.push(now - sent);
    }
    lastUs = now;
    contentChunks++;
  }
  if (first < 0) throw new Error('stream without content');
  if (contentChunks !== STREAM_EVENTS) throw new Error(`stream with ${contentChunks} content chunks, not ${STREAM_EVENTS}`);
  result.latencyUs.push(first);
  result.streamSpanUs.push(lastUs - firstUs);
  for (const delay of delays) result.chunkDelayUs.push(delay);
}

/** Nearest-rank percentile of unsorted samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function mean(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  let sum = 0;
  for (const sample of samples) sum += sample;
  return sum / samples.length;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}
