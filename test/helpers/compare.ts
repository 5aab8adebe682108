/**
 * Compares what the OpenAI SDK got through the proxy with what it got straight from the upstream,
 * ignoring only what the scripted upstream makes up per response (ids, timestamps).
 */
import type OpenAI from 'openai';
import { expect } from 'vitest';

type Completion = OpenAI.Chat.Completions.ChatCompletion;
type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;

/** A completion without its per-response id and timestamp. */
export function comparableCompletion(completion: Completion) {
  return {
    object: completion.object,
    model: completion.model,
    choices: completion.choices.map(({ index, finish_reason, message }) => ({
      index,
      finish_reason,
      message: { role: message.role, content: message.content, refusal: message.refusal ?? null, tool_calls: message.tool_calls ?? [] },
    })),
    usage: completion.usage,
  };
}

export function expectSameCompletion(proxied: Completion, direct: Completion): void {
  expect(comparableCompletion(proxied)).toEqual(comparableCompletion(direct));
}

export interface Collected {
  chunks: Chunk[];
  /** The content deltas joined. */
  text: string;
  /** Chunks with no choices: OpenAI's usage-only chunk. */
  usageChunks: Chunk[];
  /** The last usage any chunk carried. */
  usage: OpenAI.CompletionUsage | null;
}

export async function collect(stream: AsyncIterable<Chunk>): Promise<Collected> {
  const chunks: Chunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return summarize(chunks);
}

function summarize(chunks: Chunk[]): Collected {
  return {
    chunks,
    text: chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''),
    usageChunks: chunks.filter((chunk) => chunk.choices.length === 0),
    usage: chunks.reduce<OpenAI.CompletionUsage | null>((last, chunk) => chunk.usage ?? last, null),
  };
}

/**
 * The chunks without ids and timestamps. A missing `usage` and `usage: null` are the same here:
 * the upstream writes `usage: null` on every chunk once asked for usage (the proxy asks for it).
 */
export function comparableChunks(chunks: readonly Chunk[]) {
  return chunks.map((chunk) => ({
    object: chunk.object,
    model: chunk.model,
    choices: chunk.choices.map(({ index, delta, finish_reason }) => ({ index, delta, finish_reason })),
    usage: chunk.usage ?? null,
  }));
}

export function expectSameChunks(proxied: Collected, direct: Collected): void {
  expect(proxied.text).toBe(direct.text);
  expect(comparableChunks(proxied.chunks)).toEqual(comparableChunks(direct.chunks));
}

/**
 * Runs the same call straight to the upstream, then through the proxy (the scripted upstream
 * answers both with the reply it was given), and returns both results.
 */
export async function viaProxyAndDirect<T>(clients: { client: OpenAI; direct: OpenAI }, call: (client: OpenAI) => Promise<T>): Promise<{ proxied: T; direct: T }> {
  const direct = await call(clients.direct);
  const proxied = await call(clients.client);
  return { proxied, direct };
}
