import { performance } from 'node:perf_hooks';
import { createParser } from 'eventsource-parser';
import { refusalText } from '../policy/refusal.js';
import { createNdjsonSplitter } from '../providers/shared/ndjson.js';
import { encodeSseComment, encodeSseEvent } from '../providers/shared/sse.js';
import type { HeldEvent, ProviderAdapter, StreamEvent, StreamReader } from '../providers/types.js';
import type { ToolCallGuard } from './policy-stage.js';
import type { Recorder } from './record.js';

/** One event larger than this without its line end is refused (fail closed, bounded memory). */
const MAX_EVENT_BYTES = 8 * 1024 * 1024;
/** After its terminator, how long the rest of an upstream body may take to end. */
const DRAIN_AFTER_TERMINAL_MS = 1_000;

interface UpstreamBody extends AsyncIterable<Buffer> {
  destroy(error?: Error): unknown;
}

/** Feeds decoded text in, calls back with each complete event. */
interface EventSplitter {
  feed(text: string): void;
  end(): void;
}

export interface InspectStreamOptions {
  body: UpstreamBody;
  format: 'sse' | 'ndjson';
  operation: string;
  reader: StreamReader;
  adapter: ProviderAdapter;
  recorder: Recorder;
  status: number;
  /** The client's signal: its abort ends the stream without an error event. */
  signal: AbortSignal;
  /** Decides the answer's tool calls; without one, nothing is held. */
  guard: ToolCallGuard | null;
  /** How often a held SSE stream sends a keep-alive comment. @default 10000 @unit ms */
  keepAliveMs?: number;
}

/**
 * Turns the upstream's streamed body (SSE or NDJSON) into the client's: events are decoded, read
 * by the provider's stream reader, and re-encoded one by one as they arrive. From the first event
 * that carries a tool call, the rest is held until the stream ends and the calls are decided, so
 * not one fragment of a refused call goes out; text before it is never delayed. Reading is pulled
 * by the client (backpressure reaches the upstream socket); a client that cancels destroys the
 * upstream body, which closes the upstream request.
 */
export function inspectStream(options: InspectStreamOptions): ReadableStream<Uint8Array> {
  const { body, format, operation, reader, adapter, recorder, status, signal, guard, keepAliveMs = 10_000 } = options;
  let keepAlive: NodeJS.Timeout | undefined;
  const iterator = body[Symbol.asyncIterator]();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let pending = '';
  const held: HeldEvent[] = [];
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
    if (info.dropFromClient) return;
    if (guard && (held.length > 0 || info.toolCall || !adapter.flagsToolCallEvents)) held.push({ ...event, encoded });
    else pending += encoded;
  }

  /** While events are held, an SSE comment now and then tells the client the stream is alive. */
  function startKeepAlive(controller: ReadableStreamDefaultController<Uint8Array>): void {
    if (keepAlive || format !== 'sse' || held.length === 0) return;
    keepAlive = setInterval(() => {
      try {
        controller.enqueue(encoder.encode(': keep-alive\n\n'));
      } catch {
        stopKeepAlive();
      }
    }, keepAliveMs);
    keepAlive.unref();
  }

  function stopKeepAlive(): void {
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
  const overflow = () => {
    fatalError = 'An upstream event exceeded the size limit.';
  };
  const splitter: EventSplitter =
    format === 'sse'
      ? sseSplitter(onEvent, (comment) => (pending += encodeSseComment(comment)), overflow)
      : createNdjsonSplitter({ onLine: (line) => onEvent({ data: line }, `${line}\n`), onOverflow: overflow, maxLineLength: MAX_EVENT_BYTES });

  function emit(controller: ReadableStreamDefaultController<Uint8Array>, text: string): void {
    recorder.markFirstByte(performance.now());
    recorder.appendResponseBody(text);
    controller.enqueue(encoder.encode(text));
  }

  /** The held events, decided: as they were, or without the refused calls. */
  function release(): string {
    if (held.length === 0 || !guard) return '';
    const blocked = guard(reader.view());
    if (blocked.length === 0) return held.map((event) => event.encoded).join('');
    // An adapter that cannot take a call out of its stream refuses the whole answer instead.
    return adapter.refuseToolCallsInStream?.(operation, held, blocked) ?? adapter.streamErrorEvent(refusalText(blocked), format);
  }

  function finish(controller: ReadableStreamDefaultController<Uint8Array>, error: string | null, tellClient: boolean): void {
    stopKeepAlive();
    // Held events are released only for an answer that ended well: a cut-off call is never sent.
    if (!error) pending += release();
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
    stopKeepAlive();
    recorder.usage = reader.view().usage;
    recorder.finish({ status, outcome: 'client_aborted', error: 'The client went away mid-stream.' }, performance.now());
  }

  /** The next upstream chunk; after the terminator, only briefly waited for (a client may stop reading there). */
  function next(): Promise<IteratorResult<Buffer>> {
    if (!terminated) return iterator.next();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<IteratorResult<Buffer>>((resolve) => {
      timer = setTimeout(() => {
        body.destroy();
        resolve({ done: true, value: undefined });
      }, DRAIN_AFTER_TERMINAL_MS);
    });
    return Promise.race([iterator.next(), timeout]).finally(() => clearTimeout(timer));
  }

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // Read until there is something to send: one upstream chunk may hold no complete event.
        for (;;) {
          let chunk: IteratorResult<Buffer>;
          try {
            chunk = await next();
          } catch (error) {
            // The client's own abort ends its stream the way its SDK expects: no error event.
            if (signal.aborted) {
              recordAbort();
              return controller.error(signal.reason ?? error);
            }
            if (terminated) return finish(controller, reportedError, false);
            return finish(controller, 'The upstream connection broke off mid-stream.', true);
          }
          if (chunk.done) {
            splitter.feed(decoder.decode());
            splitter.end();
            if (reportedError) return finish(controller, reportedError, false);
            // Without its terminator the answer may be cut short: the client must not take it as whole.
            if (terminated || reader.endsAtEof) return finish(controller, null, false);
            return finish(controller, 'The upstream stream ended without its terminator.', true);
          }
          splitter.feed(decoder.decode(chunk.value, { stream: true }));
          if (fatalError) {
            body.destroy();
            return finish(controller, fatalError, true);
          }
          // An error the upstream reported ends the answer: pass it on and stop, since an SDK stops
          // reading at an error event and would otherwise leave the stream (and its row) open.
          if (reportedError) {
            body.destroy();
            return finish(controller, reportedError, false);
          }
          // After the terminator, the row is written without waiting for a client that may never
          // read again (an SDK stops at the terminator): keep reading to the end in this pull.
          if (pending && !terminated) {
            emit(controller, pending);
            pending = '';
            return;
          }
          startKeepAlive(controller);
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
