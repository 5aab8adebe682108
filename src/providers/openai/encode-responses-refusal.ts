import type { BlockedCall } from '../../policy/refusal.js';
import { refusalText } from '../../policy/refusal.js';
import { isRecord, safeParseJson } from '../shared/json.js';
import { encodeSseEvent } from '../shared/sse.js';
import type { HeldEvent } from '../types.js';
import type { ToolResultReplacement } from '../../policy/refusal.js';

/** Output item types that are tool calls the policy judges (the stream reader reads both). */
const CALL_TYPES = new Set(['function_call', 'custom_tool_call']);

function isRefusedItem(item: unknown, refused: ReadonlySet<string>): item is Record<string, unknown> {
  return isRecord(item) && typeof item.type === 'string' && CALL_TYPES.has(item.type) && refused.has(String(item.call_id));
}

/** The id of the message item that carries the refusal: stable per response, so JSON and stream agree. */
function refusalItemId(responseId: unknown): string {
  const suffix = typeof responseId === 'string' ? responseId.replace(/^resp_/, '') : Date.now().toString(16);
  return `msg_archestra_refusal_${suffix}`;
}

function outputTextPart(text: string): Record<string, unknown> {
  return { type: 'output_text', annotations: [], logprobs: [], text };
}

/** A finished assistant `message` output item whose one `output_text` part is `text`. */
function refusalMessage(id: string, text: string): Record<string, unknown> {
  return { id, type: 'message', status: 'completed', content: [outputTextPart(text)], role: 'assistant' };
}

/**
 * Removes the refused calls from a `response` object's `output` and appends an assistant message
 * saying why; the snapshot a client keeps holds no trace of them. Its `status` stays as it was:
 * the Responses API has no finish reason that names tool calls.
 */
function refuseSnapshot(response: Record<string, unknown>, refused: ReadonlySet<string>, text: string, always = false): boolean {
  if (!Array.isArray(response.output)) return false;
  const kept = response.output.filter((item) => !isRefusedItem(item, refused));
  // A stream that sent the refusal message ends with it in its snapshot even if the call was not there.
  if (kept.length === response.output.length && !always) return false;
  response.output = [...kept, refusalMessage(refusalItemId(response.id), text)];
  // The API sends no `output_text` (the SDKs compute it); one that is there is kept in step.
  if (typeof response.output_text === 'string') response.output_text += text;
  return true;
}

/** Removes refused tool calls from a Responses API `response` (JSON answer) and says why in a message item. */
export function refuseResponsesResponse(json: unknown, blocked: readonly BlockedCall[]): unknown {
  if (!isRecord(json)) return json;
  refuseSnapshot(json, new Set(blocked.map((call) => call.toolCallId)), refusalText(blocked));
  return json;
}

/**
 * Re-encodes the held part of a Responses API stream without the refused calls. Every event of a
 * refused output item (`output_item.added`/`.done`, its argument deltas and `.done`) is dropped;
 * the items after it move down so `output_index` stays the SDK's push order; a `message` item with
 * the refusal (added, content part, delta, done events) goes before the terminal event, whose
 * snapshot loses the refused calls and gains the message; `sequence_number`s are renumbered to
 * stay consecutive from the first held event's.
 */
export function refuseResponsesStream(held: readonly HeldEvent[], blocked: readonly BlockedCall[]): string {
  const refused = new Set(blocked.map((call) => call.toolCallId));
  const text = refusalText(blocked);
  const events = held.map((event) => {
    const parsed = safeParseJson(event.data);
    return { event, payload: parsed.success && isRecord(parsed.value) ? parsed.value : undefined };
  });

  // Which output indexes (and item ids) are refused calls; the highest index; the response's id.
  const refusedIndexes = new Set<number>();
  const refusedItemIds = new Set<string>();
  let maxIndex = -1;
  let responseId: unknown;
  let sequence: number | undefined;
  for (const { payload } of events) {
    if (!payload) continue;
    if (sequence === undefined && typeof payload.sequence_number === 'number') sequence = payload.sequence_number;
    if (isRecord(payload.response) && payload.response.id !== undefined) responseId = payload.response.id;
    if (typeof payload.output_index !== 'number') continue;
    maxIndex = Math.max(maxIndex, payload.output_index);
    if (isRefusedItem(payload.item, refused)) {
      refusedIndexes.add(payload.output_index);
      if (typeof payload.item.id === 'string') refusedItemIds.add(payload.item.id);
    }
  }
  const shift = (index: number) => index - [...refusedIndexes].filter((refusedIndex) => refusedIndex < index).length;
  let next = sequence ?? 0;

  let out = '';
  const emit = (type: string, fields: Record<string, unknown>) => {
    out += encodeSseEvent({ event: type, data: JSON.stringify({ type, sequence_number: next++, ...fields }) });
  };
  let refusalSent = false;
  const sendRefusal = () => {
    refusalSent = true;
    const id = refusalItemId(responseId);
    const at = { item_id: id, output_index: maxIndex + 1 - refusedIndexes.size, content_index: 0 };
    emit('response.output_item.added', { output_index: at.output_index, item: { id, type: 'message', status: 'in_progress', content: [], role: 'assistant' } });
    emit('response.content_part.added', { ...at, part: outputTextPart('') });
    emit('response.output_text.delta', { ...at, delta: text, logprobs: [] });
    emit('response.output_text.done', { ...at, text, logprobs: [] });
    emit('response.content_part.done', { ...at, part: outputTextPart(text) });
    emit('response.output_item.done', { output_index: at.output_index, item: refusalMessage(id, text) });
  };

  for (const { event, payload } of events) {
    if (!payload) {
      out += event.encoded;
      continue;
    }
    const type = typeof payload.type === 'string' ? payload.type : event.event;
    if (typeof payload.output_index === 'number') {
      if (refusedIndexes.has(payload.output_index)) continue;
      payload.output_index = shift(payload.output_index);
    }
    if (typeof payload.item_id === 'string' && refusedItemIds.has(payload.item_id)) continue;
    if ((type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed') && !refusalSent) {
      sendRefusal();
      if (isRecord(payload.response)) refuseSnapshot(payload.response, refused, text, true);
    }
    if (typeof payload.sequence_number === 'number') payload.sequence_number = next++;
    out += encodeSseEvent({ event: event.event, data: JSON.stringify(payload) });
  }
  // A held part without its terminal event (not released by the core today): the refusal still goes out.
  if (!refusalSent) sendRefusal();
  return out;
}

/** Replaces tool results (`function_call_output` input items, by `call_id`) in a Responses API request. */
export function replaceResponsesToolResults(json: Record<string, unknown>, replacements: ReadonlyMap<string, ToolResultReplacement>): boolean {
  if (!Array.isArray(json.input)) return false;
  for (const item of json.input) {
    if (!isRecord(item) || (item.type !== 'function_call_output' && item.type !== 'custom_tool_call_output')) continue;
    const replacement = replacements.get(String(item.call_id));
    if (replacement) item.output = replacement.text;
  }
  return true;
}
