/**
 * Chat Completions stream chunks for tests, and the openai SDK's own assembly of them
 * (`ChatCompletionStream.fromReadableStream(...).finalChatCompletion()`): what the SDK hands an
 * application is what the proxy must judge.
 */
import type OpenAI from 'openai';
import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';
import { parseSSE } from './sse.js';

const base = { id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini' };

/** One chunk with one choice (`index` as given: tests send malformed ones too). */
export function chatChunk(delta: object, finish: string | null = null, index: unknown = 0): Record<string, unknown> {
  return { ...base, choices: [{ index, delta, logprobs: null, finish_reason: finish }] };
}

/** A stream's SSE body: the chunks, then `[DONE]`. */
export function chatSse(chunks: readonly object[]): string {
  return [...chunks.map((chunk) => JSON.stringify(chunk)), '[DONE]'].map((data) => `data: ${data}\n\n`).join('');
}

/** The JSON chunks of an SSE body (without `[DONE]`). */
export function chunksOf(sse: string): Record<string, unknown>[] {
  return parseSSE(sse)
    .filter((event) => event.data !== '[DONE]')
    .map((event) => JSON.parse(event.data) as Record<string, unknown>);
}

/** What the openai SDK's stream helper assembles from `chunks` (it throws where the SDK throws). */
export function sdkFinal(chunks: readonly object[]): Promise<OpenAI.Chat.ChatCompletion> {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(`${JSON.stringify(chunk)}\n`));
      controller.close();
    },
  });
  return ChatCompletionStream.fromReadableStream(body).finalChatCompletion();
}

/** A call as the tests compare them: name and arguments, whatever its shape. */
export function callOf(call: OpenAI.Chat.ChatCompletionMessageToolCall): { name: string; arguments: string } {
  return call.type === 'custom' ? { name: call.custom.name, arguments: call.custom.input } : { name: call.function.name, arguments: call.function.arguments };
}
