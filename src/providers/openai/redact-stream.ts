import { isRecord, safeParseJson } from '../shared/json.js';
import { encodeSseEvent } from '../shared/sse.js';
import type { HeldEvent, StreamChannelEnd, StreamRedact } from '../types.js';

/**
 * Data-leak redaction of a Chat Completions (or legacy Completions) stream. Channels: `text:<i>`
 * (choice i's `delta.content`, or `text` in a legacy chunk) and `tool:<i>:<j>` (the arguments of
 * choice i's tool call j). A choice's channels end at its `finish_reason`: their held-back tails
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
    const i = typeof choice.index === 'number' ? choice.index : position;
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
    const parts = delta && Array.isArray(delta.tool_calls) ? delta.tool_calls : [];
    parts.forEach((part, k) => {
      if (!isRecord(part) || !isRecord(part.function) || typeof part.function.arguments !== 'string') return;
      const j = typeof part.index === 'number' ? part.index : k;
      const out = redact(`tool:${i}:${j}`, part.function.arguments);
      if (out !== part.function.arguments) {
        part.function.arguments = out;
        choiceChanged = true;
      }
    });
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
          const list = Array.isArray(target.tool_calls) ? target.tool_calls : (target.tool_calls = []);
          for (const [channel, tail] of tools) {
            const j = Number(channel.slice(channel.lastIndexOf(':') + 1));
            const part = list.find((p: unknown, k: number) => isRecord(p) && (typeof p.index === 'number' ? p.index : k) === j);
            if (isRecord(part) && isRecord(part.function)) part.function.arguments = `${typeof part.function.arguments === 'string' ? part.function.arguments : ''}${tail}`;
            else list.push({ index: j, function: { arguments: tail } });
          }
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
      if (field !== 'tool_calls' || !Array.isArray(inner)) return false;
      for (const part of inner) {
        if (!isRecord(part)) return false;
        for (const [name, piece] of Object.entries(part)) {
          if (name === 'index') continue;
          if (name !== 'function' || !isRecord(piece)) return false;
          for (const [fnKey, fnValue] of Object.entries(piece)) if (fnKey !== 'arguments' || fnValue !== '') return false;
        }
      }
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
  const byChoice = new Map<number, { text?: string; tools: { index: number; function: { arguments: string } }[] }>();
  for (const [channel, tail] of tails) {
    const [kind, choiceIndex, toolIndex] = channel.split(':');
    const i = Number(choiceIndex);
    let entry = byChoice.get(i);
    if (!entry) {
      entry = { tools: [] };
      byChoice.set(i, entry);
    }
    if (kind === 'text') entry.text = tail;
    else entry.tools.push({ index: Number(toolIndex), function: { arguments: tail } });
  }
  let out = '';
  for (const [index, { text, tools }] of byChoice) {
    let choice: Record<string, unknown>;
    if (legacy) choice = { index, text: text ?? '', logprobs: null, finish_reason: null };
    else {
      const delta: Record<string, unknown> = {};
      if (text !== undefined) delta.content = text;
      if (tools.length > 0) delta.tool_calls = tools;
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
