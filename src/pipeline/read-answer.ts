import type { PolicyConfig } from '../policy/schema.js';
import type { AnswerFormat, ProviderAdapter } from '../providers/types.js';
import { applyAnswerPolicies } from './answer-stage.js';
import { finishWith } from './finish.js';
import type { ForwardResult } from './forward.js';
import { inspectStream } from './inspect-stream.js';
import type { ToolCallGuard } from './policy-stage.js';
import type { Recorder } from './record.js';
import { scrubErrorBody } from './scrub-error.js';
import { streamGuardOptions } from './stream-leak.js';

type Upstream = Extract<ForwardResult, { success: true }>;

export interface AnswerInput {
  adapter: ProviderAdapter;
  operation: string;
  /** How a 2xx answer is read (`adapter.answerFormat`): the request decides, not the upstream's labels. */
  format: AnswerFormat;
  recorder: Recorder;
  policy: PolicyConfig;
  guard: ToolCallGuard | null;
  /** The request (or a hosted tool it enables) may bring untrusted content: links are checked. */
  tainted: boolean;
  /** Only answers to requests with a body carry model output worth scanning for leaks. */
  scanForLeaks: boolean;
  injectedUsage: boolean;
  /** The key the upstream got: an error body that quotes it never passes it on. */
  upstreamKey: string | undefined;
  signal: AbortSignal;
  /** `limits.maxHeldStreamBytes`: most of a stream held while its tool calls are decided. */
  maxHeldStreamBytes: number;
  /** `limits.maxResponseBodyBytes`: most of an answer read whole. */
  maxResponseBodyBytes: number;
  /** `audit.maxBodyBytes`: most of a streamed answer's text its reader keeps, as the row keeps no more. */
  maxTextBytes: number;
}

/** The canonical media type of each format the proxy judges. */
const MEDIA_TYPE: Record<'json' | 'sse' | 'ndjson', string> = { json: 'application/json', sse: 'text/event-stream', ndjson: 'application/x-ndjson' };

/**
 * The upstream's answer through the response policies. A 2xx answer is read as the request
 * implies (whatever its content type, letter case or exact 2xx status): a stream event by event,
 * model output as JSON, and an answer that cannot be read is refused, never passed on. Error
 * bodies reach the client as the upstream sent them, less any key they quote.
 */
export async function readAnswer(upstream: Upstream, input: AnswerInput): Promise<Response> {
  const { adapter, operation, recorder, policy, format } = input;
  const success = upstream.status < 300;
  if (success && (format === 'sse' || format === 'ndjson')) {
    recorder.stream = true;
    const reader = adapter.streamReader({ operation, injectedUsage: input.injectedUsage, maxTextBytes: input.maxTextBytes });
    // Streamed text is redacted as it goes, where the adapter can re-encode its events.
    const dataLeak = input.scanForLeaks && adapter.redactStreamEvent && adapter.encodeStreamTails ? streamGuardOptions(policy, input.tainted) : null;
    // A provider with its own stream framing (Bedrock's event stream) is inspected as SSE in between.
    const framing = adapter.streamFraming;
    const body = framing ? unframed(upstream.body, framing.decode(operation, upstream.body)) : upstream.body;
    const inspected = inspectStream({ body, format, operation, reader, adapter, recorder, status: upstream.status, signal: input.signal, guard: input.guard, keepAliveMs: policy.holdKeepAliveMs, dataLeak, maxHeldBytes: input.maxHeldStreamBytes });
    const stream = framing ? framing.encode(operation, inspected) : inspected;
    // The body the client gets is the proxy's re-encoding: its length is not the upstream's.
    upstream.headers.delete('content-length');
    if (framing) upstream.headers.set('content-type', framing.mediaType);
    else labelAs(upstream.headers, format);
    return new Response(stream, { status: upstream.status, headers: upstream.headers });
  }

  let text: string;
  try {
    const read = await readWhole(upstream.body, input.maxResponseBodyBytes);
    if (read === null) {
      const message = `The upstream answer was larger than the proxy reads whole (limits.maxResponseBodyBytes, ${input.maxResponseBodyBytes} bytes).`;
      return finishWith(recorder, adapter.errorResponse(502, message, 'upstream_error'), 'upstream_error', message);
    }
    text = read;
  } catch {
    const aborted = input.signal.aborted;
    const message = aborted ? 'The client went away before the answer.' : 'The upstream connection broke off.';
    return finishWith(recorder, adapter.errorResponse(502, message, 'upstream_error'), aborted ? 'client_aborted' : 'upstream_error', message);
  }
  if (!success) {
    // Upstream errors reach the client with their status, so its SDK raises its own error class.
    const scrubbed = scrubErrorBody(text, input.upstreamKey, policy, recorder);
    recorder.appendResponseBody(scrubbed);
    return finishWith(recorder, withBody(upstream, scrubbed), 'upstream_error', `The upstream answered ${upstream.status}.`);
  }
  let auditText = text;
  const looksJson = format === 'json' || (upstream.headers.get('content-type') ?? '').toLowerCase().includes('json');
  if (looksJson) {
    const answer = applyAnswerPolicies(text, { adapter, operation, recorder, policy, guard: input.guard, scanForLeaks: input.scanForLeaks, tainted: input.tainted, strict: format === 'json' });
    if (answer.kind === 'refuse') return finishWith(recorder, answer.response, answer.outcome ?? 'ok', answer.error ?? null);
    ({ text, auditText } = answer);
    if (format === 'json') labelAs(upstream.headers, 'json');
  }
  recorder.appendResponseBody(auditText);
  return finishWith(recorder, withBody(upstream, text), 'ok', null);
}

/**
 * The SDK reads what the proxy judged: a body labelled otherwise (or in another letter case, which
 * the SDKs compare exactly) gets the format's own media type.
 */
function labelAs(headers: Headers, format: 'json' | 'sse' | 'ndjson'): void {
  const type = headers.get('content-type') ?? '';
  const fits = format === 'json' ? type.startsWith('application/json') : type.startsWith(MEDIA_TYPE[format]) || (format === 'ndjson' && type.startsWith('application/jsonl'));
  if (!fits) headers.set('content-type', MEDIA_TYPE[format]);
}

/** A decoded view of the upstream body that still closes the upstream connection when the stream ends early. */
function unframed(body: Upstream['body'], decoded: AsyncIterable<Uint8Array>): AsyncIterable<Buffer> & { destroy(error?: Error): unknown } {
  return { [Symbol.asyncIterator]: () => decoded[Symbol.asyncIterator]() as AsyncIterator<Buffer>, destroy: (error?: Error) => body.destroy(error) };
}

/** The body as text, or null (and the connection closed) once it passes `limit` bytes. */
export async function readWhole(body: Upstream['body'], limit: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit) {
      body.destroy();
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

function withBody(upstream: Upstream, text: string): Response {
  // A complete body's length is known: a server bridge sends it with its headers in one write.
  upstream.headers.set('content-length', String(Buffer.byteLength(text)));
  return new Response(text, { status: upstream.status, headers: upstream.headers });
}
