import { REMOVED_RESULT_TEXT, type ToolResultReplacement } from '../../policy/refusal.js';
import type { BlockedCall } from '../../policy/refusal.js';
import { refusalText } from '../../policy/refusal.js';
import { isRecord, safeParseJson } from '../shared/json.js';
import { encodeSseEvent } from '../shared/sse.js';
import type { HeldEvent } from '../types.js';
import { isToolResultBlock } from './content.js';

/** Tool result blocks whose `content` may be plain text: the client's own tools and MCP tools. */
const TEXT_RESULT_TYPES = new Set(['tool_result', 'mcp_tool_result']);

const isRefusedCall = (block: unknown, refused: ReadonlySet<string>): boolean =>
  isRecord(block) && block.type === 'tool_use' && refused.has(String(block.id));

/**
 * Removes refused `tool_use` blocks from a Messages response. The refusal goes in as a text block
 * where the first refused call was; with no `tool_use` left, `stop_reason: 'tool_use'` becomes
 * `'end_turn'` so the agent does not wait for a tool result it will never be asked for.
 */
export function refuseMessageResponse(json: unknown, blocked: readonly BlockedCall[]): unknown {
  if (!isRecord(json) || !Array.isArray(json.content)) return json;
  const refused = new Set(blocked.map((call) => call.toolCallId));
  const note = { type: 'text', text: refusalText(blocked) };
  const content: unknown[] = [];
  let noted = false;
  for (const block of json.content) {
    if (!isRefusedCall(block, refused)) content.push(block);
    else if (!noted) {
      content.push(note);
      noted = true;
    }
  }
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
    // Each start is judged on its own: a reused index (never sent by Anthropic) cannot carry a
    // refused call out under the number of a block kept before it.
    if (type === 'content_block_start') {
      if (isRefusedCall(payload.content_block, refused)) {
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
 * Replaces blocked tool results in a Messages request: a `tool_result` (or `mcp_tool_result`)
 * answering one of `toolCallIds` keeps its `tool_use_id` (the API wants every call answered) and
 * gets the note as its content. A server tool's result (web search, code execution, ...) has a
 * typed content the note cannot stand in for: false, and the request is refused.
 */
export function replaceMessageToolResults(json: Record<string, unknown>, replacements: ReadonlyMap<string, ToolResultReplacement>): boolean {
  if (!Array.isArray(json.messages)) return false;
  let replaceable = true;
  for (const message of json.messages) {
    if (!isRecord(message) || !Array.isArray(message.content)) continue;
    for (const block of message.content) {
      const replacement = isToolResultBlock(block) ? replacements.get(String(block.tool_use_id)) : undefined;
      if (!replacement) continue;
      if (TEXT_RESULT_TYPES.has(String(block.type))) block.content = replacement.text;
      else replaceable = false;
    }
  }
  return replaceable;
}

export { REMOVED_RESULT_TEXT };
