import { isRecord, safeParseJson } from '../shared/json.js';
import { encodeSseEvent } from '../shared/sse.js';
import type { HeldEvent, StreamChannelEnd, StreamRedact } from '../types.js';
import { arrayIndex } from './chat-stream-calls.js';
import { appendToolTail, toolDeltaIsEmpty, toolTextPieces } from './chat-tool-text.js';

/**
 * Data-leak redaction of a Chat Completions (or legacy Completions) stream. Channels: `text:<i>`
 * (choice i's `delta.content`, or `text` in a legacy chunk) and `tool:<i>:...` (the text of choice
 * i's tool calls: function arguments, custom tool input, legacy `function_call` arguments; see
 * `toolTextPieces`). A choice's channels end at its `finish_reason`: their held-back tails
 * go into that chunk, before it finishes. A choice whose text changed loses its `logprobs` in that
 * chunk (its tokens would tell the text). `refusal` deltas are not redacted.
 */
export function redactChatStreamEvent(legacy: boolean, event: HeldEvent, redact: StreamRedact, end: StreamChannelEnd): string {
  const data = event.data;
  if (data === '[DONE]' || !data.includes('"choices"')) return event.encoded;
  const parsed = safeParseJson(data);
  if (!parsed.success || !isRecord(parsed.value) || !Array.isArray(parsed.value.choices)) return event.encoded;
  const chunk = parsed.value;
  const choices = chunk.choices as unknown[];
  let changed = false;
  let droppable = choices.length > 0 && (chunk.usage === undefined || chunk.usage === null);
  choices.forEach((choice, position) => {
    if (!isRecord(choice)) {
      droppable = false;
      return;
    }
    // Keyed as the SDK keys them: an index sent as the string "1" is choice (or call) 1.
    const i = arrayIndex(choice.index) ?? String(position);
    let choiceChanged = false;
    if (typeof choice.text === 'string') {
      const out = redact(`text:${i}`, choice.text);
      if (out !== choice.text) {
        choice.text = out;
        choiceChanged = true;
      }
    }
    const delta = isRecord(choice.delta) ? choice.delta : undefined;
    if (delta && typeof delta.content === 'string') {
      const out = redact(`text:${i}`, delta.content);
      if (out !== delta.content) {
        delta.content = out;
        choiceChanged = true;
      }
    }
    for (const piece of delta ? toolTextPieces(delta, i) : []) {
      const text = piece.holder[piece.field] as string;
      const out = redact(piece.channel, text);
      if (out !== text) {
        piece.holder[piece.field] = out;
        choiceChanged = true;
      }
    }
    if (typeof choice.finish_reason === 'string') {
      const text = end(`text:${i}`).get(`text:${i}`);
      const tools = end(`tool:${i}`);
      if (text !== undefined || tools.size > 0) {
        choiceChanged = true;
        if (text !== undefined) {
          if (legacy || typeof choice.text === 'string') choice.text = `${typeof choice.text === 'string' ? choice.text : ''}${text}`;
          else {
            const target = delta ?? (choice.delta = {});
            target.content = `${typeof target.content === 'string' ? target.content : ''}${text}`;
          }
        }
        if (tools.size > 0) {
          const target = delta ?? (isRecord(choice.delta) ? choice.delta : (choice.delta = {}));
          for (const [channel, tail] of tools) appendToolTail(target, channel, tail);
        }
      }
    }
    if (choiceChanged) {
      changed = true;
      if (choice.logprobs !== undefined && choice.logprobs !== null) choice.logprobs = null;
    }
    if (droppable && !choiceCarriesNothing(choice)) droppable = false;
  });
  if (!changed) return event.encoded;
  if (droppable) return '';
  return encode(event, chunk);
}

/** Whether a choice delta carries nothing once its (held-back) text is gone. */
function choiceCarriesNothing(choice: Record<string, unknown>): boolean {
  for (const [key, value] of Object.entries(choice)) {
    if (key === 'index') continue;
    if (key === 'logprobs' || key === 'finish_reason') {
      if (value !== null && value !== undefined) return false;
      continue;
    }
    if (key === 'text') {
      if (value !== '') return false;
      continue;
    }
    if (key !== 'delta' || !isRecord(value)) return false;
    for (const [field, inner] of Object.entries(value)) {
      if (field === 'content' && inner === '') continue;
      if (!toolDeltaIsEmpty(field, inner)) return false;
    }
  }
  return true;
}

/**
 * Chunks that carry the held-back tails at the end of the stream, one per choice, copying the
 * stream's id, model and created from `like`.
 */
export function encodeChatStreamTails(legacy: boolean, tails: ReadonlyMap<string, string>, like: HeldEvent): string {
  const parsed = like.data ? safeParseJson(like.data) : undefined;
  const base: Record<string, unknown> = {};
  if (parsed?.success && isRecord(parsed.value)) {
    for (const [key, value] of Object.entries(parsed.value)) if (key !== 'choices' && key !== 'usage' && key !== 'obfuscation') base[key] = value;
    if ('usage' in parsed.value) base.usage = null;
  } else base.object = legacy ? 'text_completion' : 'chat.completion.chunk';
  const byChoice = new Map<number, [channel: string, tail: string][]>();
  for (const [channel, tail] of tails) {
    const i = Number(channel.split(':')[1]);
    byChoice.set(i, [...(byChoice.get(i) ?? []), [channel, tail]]);
  }
  let out = '';
  for (const [index, entries] of byChoice) {
    const text = entries.find(([channel]) => channel.startsWith('text:'))?.[1];
    let choice: Record<string, unknown>;
    if (legacy) choice = { index, text: text ?? '', logprobs: null, finish_reason: null };
    else {
      const delta: Record<string, unknown> = {};
      if (text !== undefined) delta.content = text;
      for (const [channel, tail] of entries) if (channel.startsWith('tool:')) appendToolTail(delta, channel, tail);
      choice = { index, delta, logprobs: null, finish_reason: null };
    }
    const chunk = { ...base, choices: [choice] };
    out += encode({ event: like.event, data: '', encoded: '' }, chunk);
  }
  return out;
}

function encode(event: HeldEvent, chunk: unknown): string {
  return encodeSseEvent({ event: event.event, data: JSON.stringify(chunk) });
}
