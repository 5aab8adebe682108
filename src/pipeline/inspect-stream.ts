import { performance } from 'node:perf_hooks';
import { createParser } from 'eventsource-parser';
import { encodeSseComment, encodeSseEvent } from '../providers/shared/sse.js';
import type { ProviderAdapter } from '../providers/types.js';
import type { Recorder } from './record.js';

/** One event larger than this without a line end is refused (fail closed, bounded memory). */
const MAX_EVENT_BYTES = 8 * 1024 * 1024;

interface UpstreamBody extends AsyncIterable<Buffer> {
  destroy(error?: Error): unknown;
}

/**
 * Turns the upstream's SSE body into the client's: events are decoded, read for usage and
 * errors, and re-encoded one by one as they arrive, so nothing is held back but an incomplete
 * event. Reading is pulled by the client (backpressure reaches the upstream socket), and a client
 * that cancels destroys the upstream body, which closes the upstream request.
 */
export function inspectSseStream(body: UpstreamBody, adapter: ProviderAdapter, recorder: Recorder, injectedUsage: boolean, status: number): ReadableStream<Uint8Array> {
  const iterator = body[Symbol.asyncIterator]();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let pending = '';
  let terminated = false;
  /** An error the upstream reported in its own stream: passed on as it was, and recorded. */
  let reportedError: string | null = null;
  /** A reason to stop reading at once: the client gets an error event in its dialect. */
  let fatalError: string | null = null;

  const parser = createParser({
    maxBufferSize: MAX_EVENT_BYTES,
    onEvent(event) {
      const info = adapter.readStreamEvent(event.data, event.event, injectedUsage);
      recorder.markFirstToken(performance.now());
      if (info.usage) recorder.usage = info.usage;
      if (info.model) recorder.responseModel = info.model;
      if (info.error) reportedError = info.error;
      if (info.terminal) terminated = true;
      if (!info.dropFromClient) pending += encodeSseEvent(event);
    },
    onComment(comment) {
      pending += encodeSseComment(comment);
    },
    onError(error) {
      if (error.type === 'max-buffer-size-exceeded') fatalError = 'An upstream event exceeded the size limit.';
    },
  });

  function finish(controller: ReadableStreamDefaultController<Uint8Array>, error: string | null, tellClient: boolean): void {
    if (pending) emit(controller, pending);
    pending = '';
    if (error && tellClient) emit(controller, adapter.streamErrorEvent(error));
    recorder.finish({ status, outcome: error ? 'upstream_error' : 'ok', error }, performance.now());
    controller.close();
  }

  function emit(controller: ReadableStreamDefaultController<Uint8Array>, text: string): void {
    recorder.markFirstByte(performance.now());
    recorder.appendResponseBody(text);
    controller.enqueue(encoder.encode(text));
  }

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // Read until there is something to send: one upstream chunk may hold no complete event.
        for (;;) {
          let next: IteratorResult<Buffer>;
          try {
            next = await iterator.next();
          } catch {
            return finish(controller, 'The upstream connection broke off mid-stream.', true);
          }
          if (next.done) {
            parser.feed(decoder.decode());
            if (reportedError) return finish(controller, reportedError, false);
            // Without its terminator the answer may be cut short: the client must not take it as whole.
            return terminated ? finish(controller, null, false) : finish(controller, 'The upstream stream ended without its terminator.', true);
          }
          parser.feed(decoder.decode(next.value, { stream: true }));
          if (fatalError) {
            body.destroy();
            return finish(controller, fatalError, true);
          }
          if (pending) {
            emit(controller, pending);
            pending = '';
            return;
          }
        }
      },
      cancel() {
        body.destroy();
        recorder.finish({ status, outcome: 'client_aborted', error: 'The client went away mid-stream.' }, performance.now());
      },
    },
    { highWaterMark: 0 },
  );
}
