import { REMOVED_RESULT_TEXT, type BlockedCall, type ToolResultReplacement, refusalText } from '../../policy/refusal.js';
import { isRecord, safeParseJson } from '../shared/json.js';
import { encodeSseEvent } from '../shared/sse.js';
import type { HeldEvent } from '../types.js';
import { blockKind } from './blocks.js';
import { answerCallIds } from './decode-response.js';
import { converseStreamReader } from './decode-stream.js';
import { locateToolResults } from './decode-request.js';

/**
 * Removes refused calls (`toolUse` blocks, blocks of unknown kinds) from a Converse answer, by the
 * ids the decoder gave them. A text block with the refusal takes the first one's place; with no
 * `toolUse` left, `stopReason: 'tool_use'` becomes `'end_turn'`, so the SDK's caller reads a normal
 * message and does not wait to run a tool. An answer without a readable message is replaced whole.
 */
export function refuseConverseResponse(json: unknown, blocked: readonly BlockedCall[]): unknown {
  if (!isRecord(json)) return undefined;
  const note = { text: refusalText(blocked) };
  const message = isRecord(json.output) ? json.output.message : undefined;
  if (!isRecord(message) || !Array.isArray(message.content)) {
    json.output = { message: { role: 'assistant', content: [note] } };
    json.stopReason = 'end_turn';
    return json;
  }
  const refused = new Set(blocked.map((call) => call.toolCallId));
  const ids = answerCallIds(message.content);
  const content: unknown[] = [];
  let noted = false;
  message.content.forEach((block: unknown, at: number) => {
    const id = ids[at];
    if (id === undefined || !refused.has(id)) content.push(block);
    else if (!noted) {
      content.push(note);
      noted = true;
    }
  });
  if (!noted) content.push(note);
  message.content = content;
  if (json.stopReason === 'tool_use' && !content.some((block) => blockKind(block) === 'toolUse')) json.stopReason = 'end_turn';
  return json;
}

/**
 * Re-encodes the held part of a ConverseStream without the refused calls: every event of a refused
 * block (its start, each input delta, its stop) and every refused event of an unknown kind is
 * dropped, so no fragment goes out. The refusal goes out as a text block (a text delta and a stop)
 * at the first refused block's index; `messageStop` says `end_turn` when no `toolUse` remains. The
 * ids are the reader's, read again over the held events (the hold starts at the first judged one).
 */
export function refuseConverseStream(held: readonly HeldEvent[], blocked: readonly BlockedCall[]): string {
  const refused = new Set(blocked.map((call) => call.toolCallId));
  const reader = converseStreamReader();
  const unknownIds: (string | undefined)[] = held.map((event) => {
    const before = reader.unknownEventCount();
    reader.read(event);
    return reader.unknownEventCount() > before ? `#event.${before}` : undefined;
  });
  const blockIds = reader.blockCallIds();
  const keptToolUse = reader.view().toolCalls.some((call) => !call.unknownShape && !refused.has(call.id));
  let noted = false;
  let out = '';
  const note = (index: number): string => {
    noted = true;
    const text = refusalText(blocked);
    return encodeSseEvent({ event: 'contentBlockDelta', data: JSON.stringify({ contentBlockIndex: index, delta: { text } }) }) + encodeSseEvent({ event: 'contentBlockStop', data: JSON.stringify({ contentBlockIndex: index }) });
  };
  const nextIndex = Math.max(-1, ...blockIds.keys(), ...held.map((event) => indexOf(event) ?? -1)) + 1;
  held.forEach((event, at) => {
    if (unknownIds[at] !== undefined && refused.has(unknownIds[at])) return;
    const index = indexOf(event);
    const id = index === undefined ? undefined : blockIds.get(index);
    if (id !== undefined && refused.has(id)) {
      if (!noted && event.event === 'contentBlockStart') out += note(index!);
      return;
    }
    if (event.event === 'messageStop') {
      if (!noted) out += note(nextIndex);
      out += keptToolUse ? event.encoded : endTurn(event);
      return;
    }
    out += event.encoded;
  });
  return out;
}

function indexOf(event: HeldEvent): number | undefined {
  if (event.event !== 'contentBlockStart' && event.event !== 'contentBlockDelta' && event.event !== 'contentBlockStop') return undefined;
  const parsed = safeParseJson(event.data);
  const index = parsed.success && isRecord(parsed.value) ? parsed.value.contentBlockIndex : undefined;
  return typeof index === 'number' ? index : undefined;
}

function endTurn(event: HeldEvent): string {
  const parsed = safeParseJson(event.data);
  if (!parsed.success || !isRecord(parsed.value) || parsed.value.stopReason !== 'tool_use') return event.encoded;
  return encodeSseEvent({ event: 'messageStop', data: JSON.stringify({ ...parsed.value, stopReason: 'end_turn' }) });
}

/** Replaces tool results in a Converse request, in place, by call id: a withheld one is marked `status: 'error'`. */
export function replaceConverseToolResults(json: Record<string, unknown>, replacements: ReadonlyMap<string, ToolResultReplacement>): boolean {
  if (!Array.isArray(json.messages)) return false;
  for (const { result, id } of locateToolResults(json.messages)) {
    const replacement = replacements.get(id);
    if (!replacement) continue;
    result.content = [{ text: replacement.text || REMOVED_RESULT_TEXT }];
    if (replacement.withheld) result.status = 'error';
    else delete result.status;
  }
  return true;
}

/**
 * Quarantine: a Converse request without calls in its history loses its `toolConfig` (Converse has
 * no "no tool" choice; a history with `toolUse` or `toolResult` blocks needs its tools declared, so
 * it keeps them and the guard still refuses the answer's calls).
 */
export function stripConverseTools(json: Record<string, unknown>): boolean {
  if (json.toolConfig === undefined) return false;
  const messages = Array.isArray(json.messages) ? json.messages : [];
  const usesTools = messages.some((message) => isRecord(message) && Array.isArray(message.content) && message.content.some((block) => blockKind(block) === 'toolUse' || blockKind(block) === 'toolResult'));
  if (usesTools) return false;
  delete json.toolConfig;
  return true;
}
