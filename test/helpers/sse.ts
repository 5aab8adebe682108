/**
 * A tiny, spec-correct Server-Sent Events parser for asserting raw SSE bodies
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
 *
 * - lines end in CRLF, LF or CR; a leading BOM is ignored
 * - `:` lines are comments; `field: value` drops one leading space from the value
 * - multiple `data:` lines join with '\n'; a blank line dispatches the event
 * - an event whose data buffer is empty is not dispatched; nor is a trailing,
 *   unterminated event (no blank line after it)
 */
export interface SSEEvent {
  /** The `event:` field, when one was given (the spec's default type is "message"). */
  event?: string;
  data: string;
  /** The last event ID (per the spec it persists across later events until changed). */
  id?: string;
}

export function parseSSE(text: string): SSEEvent[] {
  const events: SSEEvent[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  // The last element follows the final line terminator (or is an unterminated line): not a complete line.
  lines.pop();
  let data: string | undefined;
  let event: string | undefined;
  let id: string | undefined;
  for (const line of lines) {
    if (line === '') {
      if (data !== undefined) {
        const ev: SSEEvent = { data: data.endsWith('\n') ? data.slice(0, -1) : data };
        if (event !== undefined && event !== '') ev.event = event;
        if (id !== undefined) ev.id = id;
        events.push(ev);
      }
      data = undefined;
      event = undefined;
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data = (data ?? '') + value + '\n';
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) id = value;
    // `retry` and unknown fields are ignored.
  }
  return events;
}

/**
 * The JSON payloads of an SSE body, in order, skipping a terminal `[DONE]`
 * (OpenAI's stream terminator). Throws when a payload is not JSON.
 */
export function sseJson(text: string): any[] {
  return parseSSE(text)
    .filter((e) => e.data !== '[DONE]')
    .map((e) => JSON.parse(e.data));
}
