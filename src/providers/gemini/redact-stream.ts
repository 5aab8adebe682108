import { isRecord, safeParseJson } from '../shared/json.js';
import { redactLeaves } from '../shared/redact-leaves.js';
import { encodeSseEvent } from '../shared/sse.js';
import type { HeldEvent, StreamChannelEnd, StreamRedact } from '../types.js';
import { field } from './parts.js';

/**
 * Data-leak redaction of a `streamGenerateContent` stream (every event a whole
 * `GenerateContentResponse`). Channels, by candidate index: `text:<c>` (the candidate's text parts),
 * `thought:<c>` (its thought summaries) and `tool:<c>:<j>` (the args of its part j, a
 * `functionCall`). Args arrive whole in one event: they are scanned whole (as JSON text) and their
 * channel ends at once. A candidate's text channels end at its `finishReason`: the held-back tails
 * go into that event's last text part (or a new one) before it finishes; at the end of the stream,
 * in one more event shaped like the last one.
 */
export function redactGenerateStreamEvent(event: HeldEvent, redact: StreamRedact, end: StreamChannelEnd): string {
  const data = event.data;
  if (!data.includes('"candidates"')) return event.encoded;
  const parsed = safeParseJson(data);
  if (!parsed.success || !isRecord(parsed.value) || !Array.isArray(parsed.value.candidates)) return event.encoded;
  const chunk = parsed.value;
  let changed = false;
  (chunk.candidates as unknown[]).forEach((candidate, position) => {
    if (!isRecord(candidate)) return;
    const c = typeof candidate.index === 'number' ? candidate.index : position;
    const content = isRecord(candidate.content) ? candidate.content : undefined;
    const parts = content && Array.isArray(content.parts) ? (content.parts as unknown[]) : [];
    parts.forEach((part, j) => {
      if (!isRecord(part)) return;
      if (typeof part.text === 'string') {
        const out = redact(`${part.thought === true ? 'thought' : 'text'}:${c}`, part.text);
        if (out !== part.text) {
          part.text = out;
          changed = true;
        }
      }
      const call = field(part, 'functionCall', 'function_call');
      if (isRecord(call) && call.args !== undefined) {
        const text = JSON.stringify(call.args);
        const channel = `tool:${c}:${j}`;
        const out = redact(channel, text) + (end(channel).get(channel) ?? '');
        if (out !== text) {
          const args = safeParseJson(out);
          call.args = args.success ? args.value : redactLeaves(call.args, channel, redact, end);
          changed = true;
        }
      }
    });
    if (typeof field(candidate, 'finishReason', 'finish_reason') === 'string') {
      for (const kind of ['thought', 'text'] as const) {
        const tail = end(`${kind}:${c}`).get(`${kind}:${c}`);
        if (tail === undefined) continue;
        changed = true;
        const target = candidate.content && isRecord(candidate.content) ? candidate.content : (candidate.content = { role: 'model', parts: [] });
        const list = Array.isArray(target.parts) ? (target.parts as unknown[]) : (target.parts = []);
        const last = [...list].reverse().find((p): p is Record<string, unknown> => isRecord(p) && typeof p.text === 'string' && (p.thought === true) === (kind === 'thought'));
        if (last) last.text = `${last.text as string}${tail}`;
        else list.push(kind === 'thought' ? { text: tail, thought: true } : { text: tail });
      }
    }
  });
  if (!changed) return event.encoded;
  return encodeSseEvent({ event: event.event, data: JSON.stringify(chunk) });
}

/** Events carrying the held-back tails at the end of the stream: one per candidate, shaped like `like`. */
export function encodeGenerateStreamTails(tails: ReadonlyMap<string, string>, like: HeldEvent): string {
  const parsed = like.data ? safeParseJson(like.data) : undefined;
  const base: Record<string, unknown> = {};
  if (parsed?.success && isRecord(parsed.value)) {
    for (const [key, value] of Object.entries(parsed.value)) if (key !== 'candidates') base[key] = value;
  }
  const byCandidate = new Map<number, Record<string, unknown>[]>();
  for (const [channel, tail] of tails) {
    const [kind, index] = channel.split(':');
    if (kind !== 'text' && kind !== 'thought') continue;
    const c = Number(index);
    const parts = byCandidate.get(c) ?? [];
    parts.push(kind === 'thought' ? { text: tail, thought: true } : { text: tail });
    byCandidate.set(c, parts);
  }
  let out = '';
  for (const [index, parts] of byCandidate) {
    const chunk = { candidates: [{ content: { parts, role: 'model' }, index }], ...base };
    out += encodeSseEvent({ event: like.event, data: JSON.stringify(chunk) });
  }
  return out;
}
