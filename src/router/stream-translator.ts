import type { StreamEvent } from '../providers/types.js';

/**
 * Turns one upstream stream into Chat Completions chunks (SSE events, encoded), event by event.
 * One per answer: it keeps state. Throws TranslateError on what it cannot read; the stream then
 * ends there with an error event.
 */
export interface StreamTranslator {
  /** The OpenAI events for one upstream event (none, one or several). */
  event(event: StreamEvent): string[];
  /** The events to send at the upstream's end of body; throws when the stream was cut short. */
  end(): string[];
}
