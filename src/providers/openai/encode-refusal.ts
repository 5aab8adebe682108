import { REMOVED_RESULT_TEXT, type ToolResultReplacement } from '../../policy/refusal.js';
import type { BlockedCall } from '../../policy/refusal.js';
import { refusalText } from '../../policy/refusal.js';
import { isRecord, safeParseJson } from '../shared/json.js';
import type { HeldEvent } from '../types.js';

/**
 * Removes refused tool calls from a Chat Completions response and says why in the assistant's
 * text. With no call left, the answer is a plain message (`finish_reason: 'stop'`).
 */
export function refuseChatResponse(json: unknown, blocked: readonly BlockedCall[]): unknown {
  if (!isRecord(json) || !Array.isArray(json.choices)) return json;
  const refused = new Set(blocked.map((call) => call.toolCallId));
  for (const choice of json.choices) {
    if (!isRecord(choice) || !isRecord(choice.message) || !Array.isArray(choice.message.tool_calls)) continue;
    const kept = choice.message.tool_calls.filter((call) => !(isRecord(call) && refused.has(String(call.id))));
    if (kept.length === choice.message.tool_calls.length) continue;
    const text = refusalText(blocked);
    const content = choice.message.content;
    choice.message.content = typeof content === 'string' && content ? `${content}\n\n${text}` : text;
    if (kept.length > 0) choice.message.tool_calls = kept;
    else {
      delete choice.message.tool_calls;
      choice.finish_reason = 'stop';
    }
  }
  return json;
}

/**
 * Re-encodes the held part of a Chat Completions stream without the refused calls: their deltas
 * are dropped (not one fragment of their arguments goes out), the calls kept are renumbered from
 * 0 so the SDK's accumulator sees no gap, and a text delta with the refusal goes before the
 * choice's final chunk. Each choice (`n` > 1) is handled on its own.
 */
export function refuseChatStream(held: readonly HeldEvent[], blocked: readonly BlockedCall[]): string {
  const refused = new Set(blocked.map((call) => call.toolCallId));
  const chunks = held.map((event) => ({ event, parsed: event.data === '[DONE]' ? undefined : safeParseJson(event.data) }));
  // Which stream index is which call, per choice: the first delta of a call carries its id.
  const refusedIndexes = new Map<number, Set<number>>();
  const keptIndexes = new Map<number, number[]>();
  for (const { parsed } of chunks) {
    for (const [choice, part] of toolCallParts(parsed?.success ? parsed.value : undefined)) {
      if (typeof part.id !== 'string' || typeof part.index !== 'number') continue;
      if (refused.has(part.id)) getOrAdd(refusedIndexes, choice, () => new Set<number>()).add(part.index);
      else {
        const kept = getOrAdd(keptIndexes, choice, () => []);
        if (!kept.includes(part.index)) kept.push(part.index);
      }
    }
  }
  // The note goes to each choice that lost a call (to the first one when no refused call was found by id).
  const noted = refusedIndexes.size > 0 ? [...refusedIndexes.keys()] : [0];
  const text = refusalText(blocked);
  const sent = new Set<number>();
  let out = '';
  let template: Record<string, unknown> | undefined;
  for (const { event, parsed } of chunks) {
    if (!parsed?.success || !isRecord(parsed.value)) {
      if (event.data === '[DONE]' && template) {
        for (const index of noted) if (!sent.has(index)) out += sse(textChunk(template, text, index));
        noted.forEach((index) => sent.add(index));
      }
      out += event.encoded;
      continue;
    }
    const chunk = parsed.value;
    template ??= chunk;
    if (!Array.isArray(chunk.choices) || chunk.choices.length === 0) {
      out += sse(chunk);
      continue;
    }
    const choices: unknown[] = [];
    for (const [position, choice] of chunk.choices.entries()) {
      if (!isRecord(choice)) {
        choices.push(choice);
        continue;
      }
      const index = typeof choice.index === 'number' ? choice.index : position;
      const kept = keptIndexes.get(index) ?? [];
      const delta = isRecord(choice.delta) ? choice.delta : undefined;
      if (delta && Array.isArray(delta.tool_calls)) {
        const gone = refusedIndexes.get(index);
        const parts = delta.tool_calls.filter((part) => !(isRecord(part) && gone?.has(Number(part.index))));
        for (const part of parts) if (isRecord(part)) part.index = kept.indexOf(Number(part.index));
        if (parts.length === 0 && !delta.content && !delta.role && !choice.finish_reason) continue;
        if (parts.length > 0) delta.tool_calls = parts;
        else delete delta.tool_calls;
      }
      if (typeof choice.finish_reason === 'string') {
        if (noted.includes(index) && !sent.has(index)) {
          out += sse(textChunk(chunk, text, index));
          sent.add(index);
        }
        if (kept.length === 0 && choice.finish_reason === 'tool_calls') choice.finish_reason = 'stop';
      }
      choices.push(choice);
    }
    if (choices.length === 0) continue;
    chunk.choices = choices;
    out += sse(chunk);
  }
  return out;
}

/** The tool-call deltas of a chunk, with the index of the choice each belongs to. */
function toolCallParts(chunk: unknown): [number, Record<string, unknown>][] {
  if (!isRecord(chunk) || !Array.isArray(chunk.choices)) return [];
  return chunk.choices.flatMap((choice, position): [number, Record<string, unknown>][] => {
    if (!isRecord(choice) || !isRecord(choice.delta) || !Array.isArray(choice.delta.tool_calls)) return [];
    const index = typeof choice.index === 'number' ? choice.index : position;
    return choice.delta.tool_calls.filter(isRecord).map((part) => [index, part]);
  });
}

function getOrAdd<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = create()));
  return value;
}

/** A content-only chunk shaped like the stream's own (same id, model, created). */
function textChunk(like: Record<string, unknown>, text: string, index = 0): Record<string, unknown> {
  return { ...like, choices: [{ index, delta: { content: text }, logprobs: null, finish_reason: null }], ...(like.usage !== undefined ? { usage: null } : {}) };
}

function sse(chunk: unknown): string {
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/** Replaces tool results (`role: 'tool'` messages) in a Chat Completions request, by call id. */
export function replaceChatToolResults(json: Record<string, unknown>, replacements: ReadonlyMap<string, ToolResultReplacement>): boolean {
  if (!Array.isArray(json.messages)) return false;
  for (const message of json.messages) {
    if (!isRecord(message) || (message.role !== 'tool' && message.role !== 'function')) continue;
    const replacement = replacements.get(String(message.tool_call_id ?? message.name));
    if (replacement) message.content = replacement.text;
  }
  return true;
}

export { REMOVED_RESULT_TEXT };
