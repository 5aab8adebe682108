import { performance } from 'node:perf_hooks';
import { refusalText } from '../policy/refusal.js';
import { encodeSseComment } from '../providers/shared/sse.js';
import type { HeldEvent, ProviderAdapter, StreamEvent, StreamReader } from '../providers/types.js';
import { ShutdownError } from './forward.js';
import type { ToolCallGuard } from './policy-stage.js';
import { AUDIT_FAILED, type Recorder } from './record.js';
import { createStreamLeakGuard, type StreamDataLeakOptions, splitEncoded } from './stream-leak.js';
import { type EventSplitter, ndjsonSplitter, sseSplitter } from './stream-splitters.js';

/** Held bytes per stream, unless configured (`limits.maxHeldStreamBytes`). */
const DEFAULT_MAX_HELD_BYTES = 8 * 1024 * 1024;
/** After its terminator, how long the rest of an upstream body may take to end. */
const DRAIN_AFTER_TERMINAL_MS = 1_000;

interface UpstreamBody extends AsyncIterable<Buffer> {
  destroy(error?: Error): unknown;
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
  /**
   * Redacts secrets and personal data in the answer's streamed text (when the adapter can): each
   * event's deltas pass through a stream redactor per channel before they are sent or held.
   */
  dataLeak?: StreamDataLeakOptions | null;
  /**
   * Most bytes held while tool calls await their decision (the held events as they would be
   * sent). Past it the stream ends with an error event: an upstream that never ends cannot grow
   * the proxy without bound. @default 8388608 @unit bytes
   */
  maxHeldBytes?: number;
}

/**
 * Turns the upstream's streamed body (SSE or NDJSON) into the client's: events are decoded, read
 * by the provider's stream reader, and re-encoded one by one as they arrive. From the first event
 * that carries a tool call, the rest is held until the stream ends and the calls are decided, so
 * not one fragment of a refused call goes out; text before it is never delayed. Reading is pulled
 * by the client (backpressure reaches the upstream socket); a client that cancels destroys the
 * upstream body, which closes the upstream request.
 *
 * With `dataLeak`, text that could still grow into a secret is held back until it is decided, and
 * released redacted; the held-back tails go out before the stream's end. A finding that blocks
 * ends the stream with an error event instead (not one character of it sent). In shadow mode the
 * client gets the upstream's bytes and only the audit copy is redacted.
 */
export function inspectStream(options: InspectStreamOptions): ReadableStream<Uint8Array> {
  const { body, format, operation, reader, adapter, recorder, status, signal, guard, keepAliveMs = 10_000, maxHeldBytes = DEFAULT_MAX_HELD_BYTES } = options;
  const leak = options.dataLeak ? createStreamLeakGuard(adapter, operation, options.dataLeak, recorder) : null;
  /** Shadow mode: the client gets the upstream's bytes, the audit row a redacted copy (kept apart). */
  const shadow = leak !== null && options.dataLeak?.mode === 'shadow';
  let keepAlive: NodeJS.Timeout | undefined;
  const iterator = body[Symbol.asyncIterator]();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let pending = '';
  const held: HeldEvent[] = [];
  /** The UTF-8 bytes of `held`'s events, as they would be sent: bounded by `maxHeldBytes`. */
  let heldBytes = 0;
  /** In shadow mode, what the audit row gets in place of `pending` and `held`. */
  let pendingAudit = '';
  const heldAudit: HeldEvent[] = [];
  /** The last event before the terminal one: the shape of the events that carry the held-back tails. */
  let lastEvent: HeldEvent | null = null;
  let tailsSent = false;
  /** The answer is withheld (a data-leak finding that blocks): the client gets this error event. */
  let withheld: string | null = null;
  let terminated = false;
  /** Whether any event came: a stream that ends at its EOF (Gemini) must have carried one to count as an answer. */
  let anyEvent = false;
  /** A stream the reader cannot assemble as the SDK would is refused once (recorded once in shadow mode). */
  let unreadableSeen = false;
  /** An error the upstream reported in its own stream: passed on as it was, and recorded. */
  let reportedError: string | null = null;
  /** A reason to stop reading at once: the client gets an error event in its dialect. */
  let fatalError: string | null = null;

  function onEvent(event: StreamEvent, encoded: string): void {
    // After the terminator the answer is over: what an upstream sends after it (data after
    // `[DONE]`, a line after `done: true`) is neither read nor sent (S3).
    if (withheld || terminated || fatalError) return;
    const info = reader.read(event);
    anyEvent = true;
    recorder.markFirstToken(performance.now());
    // A tool call the proxy cannot judge ends the answer with an error event: nothing of it goes out.
    // (In shadow mode the refusal is recorded, and the stream goes on as the upstream sent it.)
    if (info.unreadable && guard && !unreadableSeen) {
      unreadableSeen = true;
      if (guard.enforcing) {
        fatalError = info.unreadable;
        return;
      }
      recorder.decisions.push({ kind: 'tool_call', toolCallId: '', tool: '', action: 'block', ruleId: 'unreadable_stream', reason: info.unreadable });
    }
    if (info.error) reportedError = info.error;
    if (info.terminal) terminated = true;
    if (!leak || info.error) {
      if (info.dropFromClient) return;
      queue({ ...event, encoded }, encoded, info.toolCall === true);
      return;
    }
    const original: HeldEvent = { ...event, encoded };
    if (!info.terminal) lastEvent = original;
    if (info.dropFromClient) return;
    let redacted = leak.event(original);
    if (info.terminal) redacted = leak.flush(lastEvent) + redacted;
    if (leak.blockedBy.length > 0 && !shadow) {
      withheld = `The answer was withheld by the security policy: it contains ${leak.blockedBy.join(', ')} data.`;
      return;
    }
    if (info.terminal) tailsSent = true;
    queue(original, redacted, info.toolCall === true);
  }

  /**
   * Queues an event for the client (`original` as it came, `redacted` as the guards left it):
   * sent with the next pull, or held while tool calls await their decision.
   */
  function queue(original: HeldEvent, redacted: string, toolCall: boolean): void {
    const hold = guard !== null && (held.length > 0 || toolCall || !adapter.flagsToolCallEvents);
    const client = shadow ? original.encoded : redacted;
    if (!hold) {
      pending += client;
      if (shadow) pendingAudit += redacted;
      return;
    }
    if (!withinHeldLimit(Buffer.byteLength(client))) return;
    if (shadow) {
      held.push(original);
      heldAudit.push(...(redacted === original.encoded ? [original] : splitEncoded(redacted, format)));
    } else if (redacted === original.encoded) held.push(original);
    // Held events must stay whole events (a refusal re-reads them one by one); an adapter may have
    // dropped the event, or put tails before it.
    else {
      const events = splitEncoded(redacted, format);
      // A dropped event still starts the hold when it carried a tool call.
      if (events.length === 0 && held.length === 0 && toolCall) held.push({ data: '', encoded: '' });
      held.push(...events);
    }
  }

  /**
   * Counts `bytes` more held; past the limit the stream ends with an error event, and what was
   * held is dropped at once (none of it goes out: the calls in it were never decided).
   */
  function withinHeldLimit(bytes: number): boolean {
    heldBytes += bytes;
    if (heldBytes <= maxHeldBytes) return true;
    fatalError = `The answer was cut off: it grew past the proxy's held-stream limit (${maxHeldBytes} bytes) while its tool calls awaited their decision.`;
    held.length = 0;
    heldAudit.length = 0;
    return false;
  }

  /** At the end of a stream without a terminator (Gemini): the held-back tails go last. */
  function flushTails(): void {
    if (!leak || tailsSent || withheld) return;
    tailsSent = true;
    const tails = leak.flush(lastEvent);
    if (leak.blockedBy.length > 0 && !shadow) {
      withheld = `The answer was withheld by the security policy: it contains ${leak.blockedBy.join(', ')} data.`;
      return;
    }
    if (tails) queue({ data: '', encoded: '' }, tails, false);
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
  function onComment(comment: string): void {
    if (terminated) return;
    pending += encodeSseComment(comment);
    if (shadow) pendingAudit += encodeSseComment(comment);
  }
  const overflow = () => {
    fatalError = 'An upstream event exceeded the size limit.';
  };
  const splitter: EventSplitter =
    format === 'sse'
      ? sseSplitter(onEvent, onComment, overflow)
      : ndjsonSplitter((line) => onEvent({ data: line }, `${line}\n`), overflow);

  /** While the stream finishes: its last bytes, sent once its row is committed. */
  let lastBytes: string[] | null = null;

  /** Sends `text`; the audit row keeps `audit` (the same but in shadow mode). */
  function emit(controller: ReadableStreamDefaultController<Uint8Array>, text: string, audit = text): void {
    recorder.markFirstByte(performance.now());
    recorder.appendResponseBody(audit);
    if (lastBytes) lastBytes.push(text);
    else controller.enqueue(encoder.encode(text));
  }

  /** Sends what is pending (and its audit copy). */
  function emitPending(controller: ReadableStreamDefaultController<Uint8Array>): void {
    if (pending || pendingAudit) emit(controller, pending, shadow ? pendingAudit : pending);
    pending = '';
    pendingAudit = '';
  }

  /** The held events, decided: as they were, or without the refused calls. */
  function release(): void {
    if (!guard) return;
    // Nothing held, no call to decide: the answer's hosted tool calls are still recorded.
    if (held.length === 0) {
      guard.judge({ ...reader.view(), toolCalls: [] });
      return;
    }
    const blocked = guard.judge(reader.view());
    const decide = (events: readonly HeldEvent[]): string => {
      if (blocked.length === 0) return events.map((event) => event.encoded).join('');
      // An adapter that cannot take a call out of its stream refuses the whole answer instead.
      return adapter.refuseToolCallsInStream?.(operation, events.filter((event) => event.encoded !== ''), blocked) ?? adapter.streamErrorEvent(refusalText(blocked), format);
    };
    pending += decide(held);
    if (shadow) pendingAudit += decide(heldAudit);
  }

  /**
   * Ends the stream: its last events, its row, then (with `audit.durability: 'commit'`, once the
   * row is committed) the last events and the end go out, so a client that got the whole answer
   * has its row.
   */
  async function finish(controller: ReadableStreamDefaultController<Uint8Array>, error: string | null, tellClient: boolean): Promise<void> {
    stopKeepAlive();
    const last: string[] = [];
    lastBytes = last;
    // Held events are released only for an answer that ended well: a cut-off call is never sent.
    if (!error && !withheld) release();
    emitPending(controller);
    if (withheld) emit(controller, adapter.streamErrorEvent(withheld, format));
    else if (error && tellClient) emit(controller, adapter.streamErrorEvent(error, format));
    // The upstream's own error event, held behind a call it interrupted: the call is dropped, the
    // error still goes out as the upstream sent it.
    else if (error && reportedError && held.length > 0) emit(controller, held.at(-1)?.encoded ?? adapter.streamErrorEvent(error, format));
    const view = reader.view();
    guard?.remember(view);
    recorder.usage = view.usage;
    if (view.model) recorder.responseModel = view.model;
    lastBytes = null;
    recorder.finish({ status, outcome: error ? 'upstream_error' : 'ok', error, answerStarted: true }, performance.now());
    const committed = recorder.committed;
    if (committed && !(await committed)) {
      // No row, no answer: the stream ends with an error event instead of its last events.
      last.splice(0, last.length, adapter.streamErrorEvent(AUDIT_FAILED, format));
    }
    try {
      for (const text of last) controller.enqueue(encoder.encode(text));
      controller.close();
    } catch {
      // The client went away while the row was being committed: its abort is not recorded over
      // the row that already says how the answer ended.
    }
  }

  function recordAbort(): void {
    stopKeepAlive();
    const view = reader.view();
    // The provider may keep the response the client stopped reading: it can be read back later.
    guard?.remember(view);
    recorder.usage = view.usage;
    recorder.finish({ status, outcome: 'client_aborted', error: 'The client went away mid-stream.', answerStarted: true }, performance.now());
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
            // The proxy is closing and its drain time is over: the client is told so, in its dialect.
            if (error instanceof ShutdownError) return finish(controller, error.message, true);
            // undici's body timeout (`upstream.bodyTimeoutMs`): the upstream went silent, which the
            // client and the audit row are told as such, not as a broken connection (S10).
            if (isBodyTimeout(error)) return finish(controller, 'The upstream sent nothing for longer than the idle timeout.', true);
            return finish(controller, 'The upstream connection broke off mid-stream.', true);
          }
          if (chunk.done) {
            splitter.feed(decoder.decode());
            splitter.end();
            if (withheld) return finish(controller, null, true);
            if (fatalError) return finish(controller, fatalError, true);
            if (reportedError) return finish(controller, reportedError, false);
            // Without its terminator the answer may be cut short: the client must not take it as whole.
            if (terminated || (reader.endsAtEof && anyEvent)) {
              flushTails();
              return finish(controller, null, false);
            }
            return finish(controller, 'The upstream stream ended without its terminator.', true);
          }
          splitter.feed(decoder.decode(chunk.value, { stream: true }));
          // A secret that blocks: the answer ends here with an error event, the secret unsent.
          if (withheld) {
            body.destroy();
            return finish(controller, null, true);
          }
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
          if ((pending || pendingAudit) && !terminated) {
            emitPending(controller);
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

function isBodyTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'UND_ERR_BODY_TIMEOUT';
}
