import type { BlockedCall } from '../../policy/refusal.js';
import { refusalText } from '../../policy/refusal.js';
import { isRecord, safeParseJson } from '../shared/json.js';
import { encodeSseEvent } from '../shared/sse.js';
import type { HeldEvent } from '../types.js';
import { arrayIndex, FUNCTION_CALL, StreamCalls } from './chat-stream-calls.js';

/**
 * Re-encodes the held part of a Chat Completions stream without the refused calls. The held
 * events are assembled again exactly as the reader did (`StreamCalls`), so a refused call is
 * known by the same id (its own, or `#<choice>.<index>`) whether or not its deltas carry one:
 * every delta of it is dropped (not one fragment of its arguments goes out), tool-call and legacy
 * `function_call` deltas alike. The calls kept are renumbered from 0 so the SDK's accumulator sees
 * no gap, and a text delta with the refusal goes before the choice's final chunk. Each choice
 * (`n` > 1) is handled on its own. Undefined (the stream then ends with an error event) when a
 * refused call is not in the held events.
 */
export function refuseChatStream(held: readonly HeldEvent[], blocked: readonly BlockedCall[]): string | undefined {
  const refused = new Set(blocked.map((call) => call.toolCallId));
  const chunks = held.map((event) => ({ event, chunk: parseChunk(event) }));
  const assembled = new StreamCalls();
  for (const { chunk } of chunks) if (chunk) assembled.add(chunk);
  const calls = assembled.calls();
  const gone = calls.filter((call) => refused.has(call.view.id));
  if (gone.length < refused.size) return undefined;
  const goneSlots = new Set(gone.map((call) => `${call.choice}/${call.slot}`));
  /** Per choice, the slots of the calls kept, in order: a kept call's new index is its place here. */
  const kept = new Map<string, string[]>();
  /** The choices whose legacy `function_call` is kept. */
  const keptFunctionCalls = new Set<string>();
  for (const call of calls) {
    if (goneSlots.has(`${call.choice}/${call.slot}`)) continue;
    if (call.slot === FUNCTION_CALL) keptFunctionCalls.add(call.choice);
    else kept.set(call.choice, [...(kept.get(call.choice) ?? []), call.slot]);
  }
  const noted = [...new Set(gone.map((call) => call.choice))];
  const text = refusalText(blocked);
  const sent = new Set<string>();
  let out = '';
  let template: Record<string, unknown> | undefined;
  for (const { event, chunk } of chunks) {
    if (!chunk) {
      if (event.data === '[DONE]' && template) {
        for (const choice of noted) if (!sent.has(choice)) out += sse(textChunk(template, text, Number(choice)));
        noted.forEach((choice) => sent.add(choice));
      }
      out += event.encoded;
      continue;
    }
    template ??= chunk;
    if (!Array.isArray(chunk.choices) || chunk.choices.length === 0) {
      out += event.encoded;
      continue;
    }
    let changed = false;
    const choices: unknown[] = [];
    for (const choice of chunk.choices) {
      const index = isRecord(choice) ? arrayIndex(choice.index) : undefined;
      if (!isRecord(choice) || index === undefined) {
        choices.push(choice);
        continue;
      }
      const slots = kept.get(index) ?? [];
      const delta = isRecord(choice.delta) ? choice.delta : undefined;
      let removed = false;
      if (delta && Array.isArray(delta.tool_calls)) {
        const parts = delta.tool_calls.filter((part) => isRecord(part) && slots.includes(arrayIndex(part.index) ?? ''));
        removed = parts.length < delta.tool_calls.length;
        for (const part of parts as Record<string, unknown>[]) part.index = slots.indexOf(arrayIndex(part.index) ?? '');
        if (parts.length > 0) delta.tool_calls = parts;
        else delete delta.tool_calls;
        changed = true;
      }
      if (delta?.function_call && goneSlots.has(`${index}/${FUNCTION_CALL}`)) {
        delete delta.function_call;
        removed = changed = true;
      }
      if (typeof choice.finish_reason === 'string') {
        if (noted.includes(index) && !sent.has(index)) {
          out += sse(textChunk(chunk, text, Number(index)));
          sent.add(index);
        }
        const callsLeft = slots.length > 0 || keptFunctionCalls.has(index);
        if (!callsLeft && (choice.finish_reason === 'tool_calls' || choice.finish_reason === 'function_call')) {
          choice.finish_reason = 'stop';
          changed = true;
        }
      }
      // A choice whose delta held nothing but refused calls goes away with them.
      if (removed && isEmpty(delta) && !choice.finish_reason && !choice.logprobs) continue;
      choices.push(choice);
    }
    if (!changed) {
      out += event.encoded;
      continue;
    }
    if (choices.length === 0 && (chunk.usage === undefined || chunk.usage === null)) continue;
    chunk.choices = choices;
    out += encodeSseEvent({ event: event.event, data: JSON.stringify(chunk) });
  }
  return out;
}

function parseChunk(event: HeldEvent): Record<string, unknown> | undefined {
  if (event.data === '[DONE]') return undefined;
  const parsed = safeParseJson(event.data);
  return parsed.success && isRecord(parsed.value) ? parsed.value : undefined;
}

function isEmpty(delta: Record<string, unknown> | undefined): boolean {
  return delta === undefined || Object.values(delta).every((value) => value === null || value === undefined || value === '');
}

/** A content-only chunk shaped like the stream's own (same id, model, created). */
function textChunk(like: Record<string, unknown>, text: string, index: number): Record<string, unknown> {
  return { ...like, choices: [{ index, delta: { content: text }, logprobs: null, finish_reason: null }], ...(like.usage !== undefined ? { usage: null } : {}) };
}

function sse(chunk: unknown): string {
  return `data: ${JSON.stringify(chunk)}\n\n`;
}
