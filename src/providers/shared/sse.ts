import type { EventSourceMessage } from 'eventsource-parser';

/** Encodes one event back to SSE wire form; multi-line data becomes several `data:` lines. */
export function encodeSseEvent(event: EventSourceMessage): string {
  let text = '';
  if (event.event !== undefined) text += `event: ${event.event}\n`;
  if (event.id !== undefined) text += `id: ${event.id}\n`;
  text += event.data.includes('\n') ? event.data.split('\n').map((line) => `data: ${line}\n`).join('') : `data: ${event.data}\n`;
  return `${text}\n`;
}

/** Encodes an SSE comment (a keep-alive such as `: ping`). */
export function encodeSseComment(comment: string): string {
  return `:${comment}\n\n`;
}
