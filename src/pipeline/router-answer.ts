/**
 * A deployment's answer, as OpenAI's Chat Completions: translated whole (JSON, an error body) or
 * event by event (a stream), for the answer stage to judge as OpenAI's. What the translator cannot
 * read is refused: a JSON answer with a 502, a stream with an error event where it stopped.
 */
import { Readable } from 'node:stream';
import { openaiErrorBody } from '../providers/openai/index.js';
import type { StreamEvent } from '../providers/types.js';
import { errorEvent } from '../router/openai-answer.js';
import type { StreamTranslator } from '../router/stream-translator.js';
import { TranslateError } from '../router/translate-error.js';
import type { ForwardResult } from './forward.js';
import { readWhole } from './read-answer.js';
import type { PreparedAttempt } from './router-forward.js';
import { sseSplitter } from './stream-splitters.js';

type Upstream = Extract<ForwardResult, { success: true }>;

/** OpenAI's error types by status, for an upstream's error retold in OpenAI's shape. */
const ERROR_TYPES: Readonly<Record<number, string>> = { 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error', 429: 'rate_limit_error' };

export type TranslatedAnswer =
  | { success: true; upstream: Upstream }
  | { success: false; status: number; message: string; outcome: 'upstream_error' | 'client_aborted' };

export interface TranslateOptions {
  stream: boolean;
  /** `limits.maxResponseBodyBytes`: most of an answer read whole. */
  maxBytes: number;
  signal: AbortSignal;
}

export async function translateAnswer(result: Upstream, attempt: PreparedAttempt, options: TranslateOptions): Promise<TranslatedAnswer> {
  const { target, deployment } = attempt;
  const ok = result.status < 300;
  // OpenAI's own format (OpenAI, vLLM, Ollama's /v1): read as it is.
  if (target.answer === null) return { success: true, upstream: result };
  if (ok && options.stream) {
    const translator = target.stream!();
    return { success: true, upstream: { ...result, body: Readable.from(translateStream(result.body, translator, deployment.provider)) as Upstream['body'] } };
  }
  let text: string | null;
  try {
    text = await readWhole(result.body, options.maxBytes);
  } catch {
    const aborted = options.signal.aborted;
    return { success: false, status: 502, message: aborted ? 'The client went away before the answer.' : 'The upstream connection broke off.', outcome: aborted ? 'client_aborted' : 'upstream_error' };
  }
  if (text === null) return { success: false, status: 502, message: `The upstream answer was larger than the proxy reads whole (limits.maxResponseBodyBytes, ${options.maxBytes} bytes).`, outcome: 'upstream_error' };
  let translated: unknown;
  if (ok) {
    try {
      translated = target.answer(JSON.parse(text));
    } catch (error) {
      const reason = error instanceof TranslateError ? error.message : `The ${deployment.provider} answer is not valid JSON.`;
      return { success: false, status: 502, message: `The answer was refused: ${reason}`, outcome: 'upstream_error' };
    }
  } else {
    // An error in OpenAI's shape, so the openai SDK raises its own error class for the status.
    const message = target.errorMessage(text) ?? `The ${deployment.provider} upstream answered ${result.status}.`;
    translated = openaiErrorBody(`${deployment.provider}: ${message}`, ERROR_TYPES[result.status] ?? (result.status >= 500 ? 'upstream_error' : 'invalid_request_error'));
  }
  const headers = new Headers(result.headers);
  headers.set('content-type', 'application/json');
  headers.delete('content-length');
  return { success: true, upstream: { ...result, headers, body: Readable.from([Buffer.from(JSON.stringify(translated))]) as Upstream['body'] } };
}

/**
 * The upstream's SSE events through the translator, as OpenAI chunk events. An event it cannot
 * read ends the stream with an error event, nothing of that event sent; ending the client's
 * stream ends the upstream's.
 */
async function* translateStream(body: Upstream['body'], translator: StreamTranslator, provider: string): AsyncGenerator<Buffer> {
  const decoder = new TextDecoder();
  let out: string[] = [];
  let refused: string | null = null;
  const onEvent = (event: StreamEvent) => {
    if (refused !== null) return;
    try {
      out.push(...translator.event(event));
    } catch (error) {
      if (!(error instanceof TranslateError)) throw error;
      refused = error.message;
    }
  };
  const splitter = sseSplitter(onEvent, () => {}, () => {
    refused ??= `The ${provider} stream sent an event larger than the proxy reads.`;
  });
  const take = () => {
    const text = out.join('');
    out = [];
    return Buffer.from(text);
  };
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      splitter.feed(decoder.decode(chunk, { stream: true }));
      if (out.length > 0) yield take();
      if (refused !== null) break;
    }
    if (refused === null) {
      splitter.feed(decoder.decode());
      splitter.end();
      try {
        out.push(...translator.end());
      } catch (error) {
        if (!(error instanceof TranslateError)) throw error;
        refused = error.message;
      }
    }
    if (out.length > 0) yield take();
    if (refused !== null) yield Buffer.from(errorEvent(`The answer was refused: ${refused}`));
  } finally {
    body.destroy();
  }
}

