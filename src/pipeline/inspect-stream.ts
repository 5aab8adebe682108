import { performance } from 'node:perf_hooks';
import { createParser } from 'eventsource-parser';
import { createNdjsonSplitter } from '../providers/shared/ndjson.js';
import { encodeSseComment, encodeSseEvent } from '../providers/shared/sse.js';
import type { ProviderAdapter, StreamEvent, StreamReader } from '../providers/types.js';
import type { Recorder } from './record.js';

/** One event larger than this without its line end is refused (fail closed, bounded memory). */
const MAX_EVENT_BYTES = 8 * 1024 * 1024;

interface UpstreamBody extends AsyncIterable<Buffer> {
  destroy(error?: Error): unknown;
}

/** Feeds decoded text in, calls back with each complete event. */
interface EventSplitter {
  feed(text: string): void;
  end(): void;
}

/**
 * Turns the upstream's streamed body (SSE or NDJSON) into the client's: events are decoded, read
 * by the provider's stream reader (usage, errors, the answer so far), and re-encoded one by one as
 * they arrive, so nothing is held back but an incomplete event. Reading is pulled by the client
 * (backpressure reaches the upstream socket), and a client that cancels destroys the upstream
 * body, which closes the upstream request.
 */
export function inspectStream(body: UpstreamBody, format: 'sse' | 'ndjson', reader: StreamReader, adapter: ProviderAdapter, recorder: Recorder, status: number, signal: AbortSignal): ReadableStream<Uint8Array> {
  const iterator = body[Symbol.asyncIterator]();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let pending = '';
  let terminated = false;
  /** An error the upstream reported in its own stream: passed on as it was, and recorded. */
  let reportedError: string | null = null;
  /** A reason to stop reading at once: the client gets an error event in its dialect. */
  let fatalError: string | null = null;

  function onEvent(event: StreamEvent, encoded: string): void {
    const info = reader.read(event);
    recorder.markFirstToken(performance.now());
    if (info.error) reportedError = info.error;
    if (info.terminal) terminated = true;
    if (!info.dropFromClient) pending += encoded;
  }
  const overflow = () => {
    fatalError = 'An upstream event exceeded the size limit.';
  };
  const splitter: EventSplitter =
    format === 'sse' ? sseSplitter(onEvent, (comment) => (pending += encodeSseComment(comment)), overflow) : createNdjsonSplitter({ onLine: (line) => onEvent({ data: line }, `${line}\n`), onOverflow: overflow, maxLineLength: MAX_EVENT_BYTES });

  function emit(controller: ReadableStreamDefaultController<Uint8Array>, text: string): void {
    recorder.markFirstByte(performance.now());
    recorder.appendResponseBody(text);
    controller.enqueue(encoder.encode(text));
  }

  function finish(controller: ReadableStreamDefaultController<Uint8Array>, error: string | null, tellClient: boolean): void {
    if (pending) emit(controller, pending);
    pending = '';
    if (error && tellClient) emit(controller, adapter.streamErrorEvent(error, format));
    const view = reader.view();
    recorder.usage = view.usage;
    if (view.model) recorder.responseModel = view.model;
    recorder.finish({ status, outcome: error ? 'upstream_error' : 'ok', error }, performance.now());
    controller.close();
  }

  function recordAbort(): void {
    const view = reader.view();
    recorder.usage = view.usage;
    recorder.finish({ status, outcome: 'client_aborted', error: 'The client went away mid-stream.' }, performance.now());
  }

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // Read until there is something to send: one upstream chunk may hold no complete event.
        for (;;) {
          let next: IteratorResult<Buffer>;
          try {
            next = await iterator.next();
          } catch (error) {
            // The client's own abort ends its stream the way its SDK expects: no error event.
            if (signal.aborted) {
              recordAbort();
              return controller.error(signal.reason ?? error);
            }
            return finish(controller, 'The upstream connection broke off mid-stream.', true);
          }
          if (next.done) {
            splitter.feed(decoder.decode());
            splitter.end();
            if (reportedError) return finish(controller, reportedError, false);
            // Without its terminator the answer may be cut short: the client must not take it as whole.
            if (terminated || reader.endsAtEof) return finish(controller, null, false);
            return finish(controller, 'The upstream stream ended without its terminator.', true);
          }
          splitter.feed(decoder.decode(next.value, { stream: true }));
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
        recordAbort();
      },
    },
    { highWaterMark: 0 },
  );
}

function sseSplitter(onEvent: (event: StreamEvent, encoded: string) => void, onComment: (comment: string) => void, onOverflow: () => void): EventSplitter {
  const parser = createParser({
    maxBufferSize: MAX_EVENT_BYTES,
    onEvent: (event) => onEvent(event, encodeSseEvent(event)),
    onComment,
    onError(error) {
      if (error.type === 'max-buffer-size-exceeded') onOverflow();
    },
  });
  return {
    feed: (text) => parser.feed(text),
    // An event without its closing blank line is incomplete: it is not emitted (WHATWG).
    end: () => {},
  };
}
