import { createParser } from 'eventsource-parser';
import { safeParseJson } from '../providers/shared/json.js';
import { createNdjsonSplitter } from '../providers/shared/ndjson.js';
import { encodeSseEvent } from '../providers/shared/sse.js';
import type { StreamEvent } from '../providers/types.js';

/** One event larger than this without its line end is refused (fail closed, bounded memory). */
const MAX_EVENT_BYTES = 8 * 1024 * 1024;

/** Feeds decoded text in, calls back with each complete event. */
export interface EventSplitter {
  feed(text: string): void;
  end(): void;
}

/** SSE events (WHATWG parsing), each with its re-encoded form; comments apart. */
export function sseSplitter(onEvent: (event: StreamEvent, encoded: string) => void, onComment: (comment: string) => void, onOverflow: () => void): EventSplitter {
  let overflowed = false;
  /** Whether the text so far ends with CR: the parser holds that back, since an LF may follow. */
  let endsWithCr = false;
  const parser = createParser({
    maxBufferSize: MAX_EVENT_BYTES,
    onEvent: (event) => onEvent(event, encodeSseEvent(event)),
    onComment,
    onError(error) {
      if (error.type !== 'max-buffer-size-exceeded') return;
      overflowed = true;
      onOverflow();
    },
  });
  return {
    feed(text) {
      if (overflowed || text === '') return;
      endsWithCr = text.endsWith('\r');
      parser.feed(text);
    },
    // An event without its closing blank line is incomplete: it is not emitted (WHATWG). A CR at
    // the very end is a line end, though: with CR-only line endings the last event's blank line
    // is that CR, which the parser still holds (S2; without this, the last event, `[DONE]` or
    // Gemini's final chunk with its usage, was lost). An LF after it completes exactly that line end.
    end() {
      if (!overflowed && endsWithCr) parser.feed('\n');
    },
  };
}

/**
 * NDJSON lines. Ollama ends its last line with a newline, but a last line without one still
 * counts when it is whole JSON; a cut-off fragment of a line is not passed on (S3).
 */
export function ndjsonSplitter(onLine: (line: string) => void, onOverflow: () => void): EventSplitter {
  let ending = false;
  const splitter = createNdjsonSplitter({
    onLine(line) {
      if (ending && !safeParseJson(line).success) return;
      onLine(line);
    },
    onOverflow,
    maxLineLength: MAX_EVENT_BYTES,
  });
  return {
    feed: (text) => splitter.feed(text),
    end() {
      ending = true;
      splitter.end();
    },
  };
}
