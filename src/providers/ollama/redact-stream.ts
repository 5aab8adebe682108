import { encodeChatStreamTails, redactChatStreamEvent } from '../openai/redact-stream.js';
import { isRecord, safeParseJson } from '../shared/json.js';
import { redactLeaves } from '../shared/redact-leaves.js';
import type { HeldEvent, StreamChannelEnd, StreamRedact } from '../types.js';
import { OPENAI_CHAT } from './routes.js';

/**
 * Data-leak redaction of an Ollama stream. The native NDJSON streams (`/api/chat`,
 * `/api/generate`) have one answer: channels `text:0` (`message.content`, or `response`),
 * `thinking:0` (`message.thinking`, or `thinking`) and `tool:0:<j>` (the arguments of call j,
 * which Ollama sends whole in one line: scanned whole, their channel ended at once). The text
 * channels end at the `done: true` line: the held-back tails go out as lines of their own just
 * before it. A line whose text is all held back (and that carries nothing else) is dropped. The
 * OpenAI-compatible `/v1/chat/completions` stream is OpenAI's.
 */
export function redactOllamaStreamEvent(operation: string, event: HeldEvent, redact: StreamRedact, end: StreamChannelEnd): string {
  if (operation === OPENAI_CHAT) return redactChatStreamEvent(false, event, redact, end);
  if (operation !== 'chat' && operation !== 'generate') return event.encoded;
  const parsed = safeParseJson(event.data);
  if (!parsed.success || !isRecord(parsed.value) || 'error' in parsed.value) return event.encoded;
  const line = parsed.value;
  const target = operation === 'generate' ? line : isRecord(line.message) ? line.message : undefined;
  let changed = false;
  let emptied = false;
  if (target) {
    const textKey = operation === 'generate' ? 'response' : 'content';
    for (const [key, channel] of [
      [textKey, 'text:0'],
      ['thinking', 'thinking:0'],
    ] as const) {
      const text = target[key];
      if (typeof text !== 'string' || text === '') continue;
      const out = redact(channel, text);
      if (out === text) continue;
      target[key] = out;
      changed = true;
      if (out === '') emptied = true;
    }
    if (operation === 'chat' && Array.isArray(target.tool_calls)) {
      (target.tool_calls as unknown[]).forEach((call, j) => {
        if (!isRecord(call) || !isRecord(call.function) || call.function.arguments === undefined) return;
        const args = call.function.arguments;
        const text = typeof args === 'string' ? args : JSON.stringify(args);
        const channel = `tool:0:${j}`;
        const out = redact(channel, text) + (end(channel).get(channel) ?? '');
        if (out === text) return;
        changed = true;
        if (typeof args === 'string') call.function.arguments = out;
        else {
          const back = safeParseJson(out);
          call.function.arguments = back.success ? back.value : redactLeaves(args, channel, redact, end);
        }
      });
    }
  }
  let tails = '';
  if (line.done === true) {
    const ended = new Map([...end('text:0'), ...end('thinking:0')]);
    if (ended.size > 0) tails = encodeOllamaStreamTails(operation, ended, event);
  }
  if (!changed) return tails + event.encoded;
  if (emptied && line.done !== true && carriesNothing(line, operation)) return tails;
  return `${tails}${JSON.stringify(line)}\n`;
}

/** Whether a line carries nothing but its (now empty) text and the stream's bookkeeping. */
function carriesNothing(line: Record<string, unknown>, operation: string): boolean {
  const empty = (key: string, value: unknown) => (key === 'content' || key === 'response' || key === 'thinking') && value === '';
  for (const [key, value] of Object.entries(line)) {
    if (key === 'model' || key === 'created_at' || key === 'done' || empty(key, value)) continue;
    if (key !== 'message' || operation !== 'chat' || !isRecord(value)) return false;
    for (const [inner, text] of Object.entries(value)) if (inner !== 'role' && !empty(inner, text)) return false;
  }
  return true;
}

/** Lines carrying the held-back tails (`done: false`), shaped like `like` (its model and time). */
export function encodeOllamaStreamTails(operation: string, tails: ReadonlyMap<string, string>, like: HeldEvent): string {
  if (operation === OPENAI_CHAT) return encodeChatStreamTails(false, tails, like);
  if (operation !== 'chat' && operation !== 'generate') return '';
  const parsed = like.data ? safeParseJson(like.data) : undefined;
  const base: Record<string, unknown> = {};
  if (parsed?.success && isRecord(parsed.value)) {
    if (parsed.value.model !== undefined) base.model = parsed.value.model;
    if (parsed.value.created_at !== undefined) base.created_at = parsed.value.created_at;
  }
  let out = '';
  for (const [channel, tail] of tails) {
    const kind = channel.split(':')[0];
    if (kind !== 'text' && kind !== 'thinking') continue;
    const line =
      operation === 'generate'
        ? { ...base, ...(kind === 'text' ? { response: tail } : { response: '', thinking: tail }), done: false }
        : { ...base, message: { role: 'assistant', content: kind === 'text' ? tail : '', ...(kind === 'thinking' ? { thinking: tail } : {}) }, done: false };
    out += `${JSON.stringify(line)}\n`;
  }
  return out;
}
