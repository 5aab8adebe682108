import { REMOVED_RESULT_TEXT, type ToolResultReplacement } from '../../policy/refusal.js';
import type { BlockedCall } from '../../policy/refusal.js';
import { refusalText } from '../../policy/refusal.js';
import { isRecord, safeParseJson } from '../shared/json.js';
import { encodeSseEvent } from '../shared/sse.js';
import type { HeldEvent } from '../types.js';
import { answerCallIds, locateToolResults } from './call-ids.js';

/**
 * Removes refused calls (`tool_use` blocks, blocks of unknown types) from a Messages response, found
 * by the ids the decoder gave them (./call-ids.ts: a call without a usable id by its position).
 * The refusal goes in as a text block where the first refused call was; with no `tool_use` left,
 * `stop_reason: 'tool_use'` becomes `'end_turn'` so the agent does not wait for a tool result it
 * will never be asked for.
 */
export function refuseMessageResponse(json: unknown, blocked: readonly BlockedCall[]): unknown {
  if (!isRecord(json) || !Array.isArray(json.content)) return json;
  const refused = new Set(blocked.map((call) => call.toolCallId));
  const ids = answerCallIds(json.content);
  const note = { type: 'text', text: refusalText(blocked) };
  const content: unknown[] = [];
  let noted = false;
  json.content.forEach((block: unknown, at: number) => {
    const id = ids[at];
    if (id === undefined || !refused.has(id)) content.push(block);
    else if (!noted) {
      content.push(note);
      noted = true;
    }
  });
  if (!noted) content.push(note);
  json.content = content;
  if (json.stop_reason === 'tool_use' && !content.some((block) => isRecord(block) && block.type === 'tool_use')) json.stop_reason = 'end_turn';
  return json;
}

/**
 * Re-encodes the held part of a Messages stream without the refused calls. Every event of a
 * refused block (its start, each `input_json_delta`, its stop) is dropped, so not one fragment of
 * its input goes out; a text block with the refusal takes the first refused call's place; the
 * blocks kept are renumbered so the indices stay contiguous with the blocks already sent (the
 * SDK's accumulator pushes each started block and finds it again by `index`). `message_start`
 * (sent before the hold) stays first, `message_stop` stays last, and `message_delta` says
 * `end_turn` when no `tool_use` remains.
 */
export function refuseMessageStream(held: readonly HeldEvent[], blocked: readonly BlockedCall[]): string {
  const refused = new Set(blocked.map((call) => call.toolCallId));
  const events = held.map((event) => {
    const parsed = safeParseJson(event.data);
    return { event, payload: parsed.success && isRecord(parsed.value) ? parsed.value : undefined };
  });
  const ids = heldCallIds(events.map(({ payload }) => payload));
  /** Held block index → the index its open block goes out as; null for a refused block (dropped). */
  const renumbered = new Map<number, number | null>();
  let next = firstBlockIndex(events.map(({ payload }) => payload));
  let keptToolUse = false;
  let noted = false;
  let out = '';
  const note = (): string => {
    noted = true;
    return refusalBlock(next++, refusalText(blocked));
  };

  for (const { event, payload } of events) {
    const type = typeof payload?.type === 'string' ? payload.type : event.event;
    if (!payload || typeof payload.index !== 'number' || !type?.startsWith('content_block_')) {
      if (type === 'message_delta' && payload) {
        if (!noted) out += note();
        if (!keptToolUse && isRecord(payload.delta) && payload.delta.stop_reason === 'tool_use') {
          payload.delta.stop_reason = 'end_turn';
          out += encode(event.event, payload);
          continue;
        }
      }
      // `message_stop` with no `message_delta` before it (never sent by Anthropic): the note still goes first.
      if (type === 'message_stop' && !noted) out += note();
      out += event.encoded;
      continue;
    }
    // A call is known by the id the reader gave it: the reader ended any stream whose start
    // indices are not the blocks' positions (./decode-stream.ts), so the index finds it.
    if (type === 'content_block_start') {
      const id = ids[payload.index];
      if (id !== undefined && refused.has(id)) {
        renumbered.set(payload.index, null);
        if (!noted) out += note();
      } else {
        renumbered.set(payload.index, next++);
        if (isRecord(payload.content_block) && payload.content_block.type === 'tool_use') keptToolUse = true;
      }
    }
    const index = renumbered.get(payload.index);
    if (index === null) continue;
    // A delta or stop of a block that began before the hold went out under its own index already.
    if (index === undefined || index === payload.index) {
      out += event.encoded;
      continue;
    }
    out += encode(event.event, { ...payload, index });
  }
  return out;
}

/**
 * The ids of the held calls by block index, as the reader gave them: the reader holds each
 * start's index to be the block's position, and every call is held (its start begins the hold).
 */
function heldCallIds(payloads: readonly (Record<string, unknown> | undefined)[]): (string | undefined)[] {
  const content: unknown[] = [];
  for (const payload of payloads) {
    if (payload?.type === 'content_block_start' && typeof payload.index === 'number') content[payload.index] = payload.content_block;
  }
  return answerCallIds(content);
}

/** The index the first held block had: the blocks before it already went out with theirs. */
function firstBlockIndex(payloads: readonly (Record<string, unknown> | undefined)[]): number {
  for (const payload of payloads) {
    if (payload?.type === 'content_block_start' && typeof payload.index === 'number') return payload.index;
  }
  return 0;
}

/** A complete text block (start, one delta, stop) at `index`. */
function refusalBlock(index: number, text: string): string {
  return (
    encode('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }) +
    encode('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } }) +
    encode('content_block_stop', { type: 'content_block_stop', index })
  );
}

function encode(event: string | undefined, payload: unknown): string {
  return encodeSseEvent({ event, data: JSON.stringify(payload) });
}

/**
 * Replaces blocked tool results in a Messages request: a `tool_result` answering one of the ids
 * the request decoder gave (its `tool_use_id`, or its position when that is missing, a number or
 * a duplicate: ./call-ids.ts) keeps its `tool_use_id` (the API wants every call answered) and gets
 * the note as its content. Hosted tools' results are never replaced (the decoder reads them as
 * outside content, not as tool results); false when a named result is not found.
 */
export function replaceMessageToolResults(json: Record<string, unknown>, replacements: ReadonlyMap<string, ToolResultReplacement>): boolean {
  if (!Array.isArray(json.messages)) return false;
  const unmatched = new Set(replacements.keys());
  for (const { block, id } of locateToolResults(json.messages)) {
    const replacement = replacements.get(id);
    if (!replacement) continue;
    block.content = replacement.text;
    unmatched.delete(id);
  }
  // A result the policy named but that is not here: refuse the request rather than guess.
  return unmatched.size === 0;
}

export { REMOVED_RESULT_TEXT };
