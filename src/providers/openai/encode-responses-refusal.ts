import type { BlockedCall } from '../../policy/refusal.js';
import { refusalText } from '../../policy/refusal.js';
import { isRecord, safeParseJson } from '../shared/json.js';
import { encodeSseEvent } from '../shared/sse.js';
import type { HeldEvent } from '../types.js';
import type { ToolResultReplacement } from '../../policy/refusal.js';
import { readOutput } from './decode-responses-response.js';
import { isResultItem, resultId } from './responses-input-items.js';
import { readOutputItem } from './responses-output-items.js';
import { StreamItems } from './responses-stream-items.js';

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

/** What to take out of a response snapshot: calls by view id or own id, items by item id. */
interface Refused {
  ids: ReadonlySet<string>;
  itemIds?: ReadonlySet<string>;
}

/**
 * Removes the refused calls from a `response` object's `output` (by the view ids its decoder gives
 * them, so a call without a usable call id is found by position, and by their own call ids and
 * item ids, so a snapshot that disagrees with its stream loses them too). With `text`, an
 * assistant message saying why is appended when a call was removed (`always`: even when none
 * was); the snapshot a client keeps holds no trace of them. Its `status` stays as it was: the
 * Responses API has no finish reason that names tool calls.
 */
function refuseSnapshot(response: Record<string, unknown>, refused: Refused, text?: string, always = false): boolean {
  if (!Array.isArray(response.output)) return false;
  const output: unknown[] = response.output;
  const { callIds } = readOutput(output);
  const kept = output.filter((item, position) => {
    const id = callIds.get(position);
    if (id === undefined || !isRecord(item)) return true;
    if (refused.ids.has(id) || (typeof item.id === 'string' && refused.itemIds?.has(item.id))) return false;
    const piece = readOutputItem(item);
    return !(piece?.kind === 'call' && piece.call.ownId !== null && refused.ids.has(piece.call.ownId));
  });
  if (text === undefined) {
    response.output = kept;
    return kept.length !== output.length;
  }
  // A stream that sent the refusal message ends with it in its snapshot even if the call was not there.
  if (kept.length === output.length && !always) return false;
  response.output = [...kept, refusalMessage(refusalItemId(response.id), text)];
  // The API sends no `output_text` (the SDKs compute it); one that is there is kept in step.
  if (typeof response.output_text === 'string') response.output_text += text;
  return true;
}

/** Removes refused tool calls from a Responses API `response` (JSON answer) and says why in a message item. */
export function refuseResponsesResponse(json: unknown, blocked: readonly BlockedCall[]): unknown {
  if (!isRecord(json)) return json;
  refuseSnapshot(json, { ids: new Set(blocked.map((call) => call.toolCallId)) }, refusalText(blocked));
  return json;
}

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);
const LIFECYCLE = new Set(['response.created', 'response.queued', 'response.in_progress']);

/**
 * Re-encodes the held part of a Responses API stream without the refused calls. The held events
 * are replayed through the reader's own item assembly (StreamItems), so a call is found by the
 * same view id the guard judged: every event at a refused call's output index, or naming one of
 * its items, is dropped (`output_item.added`/`.done`, argument deltas and `.done`, whatever else
 * the index carried); the items after a dropped `output_item.added` move down so `output_index`
 * stays the SDK's push order;
 * any snapshot (`response.created`... and the terminal one) loses the refused calls; a `message`
 * item with the refusal (added, content part, delta, done events) goes before the terminal event,
 * whose snapshot gains it; `sequence_number`s are renumbered to stay consecutive from the first
 * held event's.
 */
export function refuseResponsesStream(held: readonly HeldEvent[], blocked: readonly BlockedCall[]): string {
  const refusedIds = new Set(blocked.map((call) => call.toolCallId));
  const text = refusalText(blocked);
  const items = new StreamItems();
  const events = held.map((event) => {
    const parsed = safeParseJson(event.data);
    const payload = parsed.success && isRecord(parsed.value) ? parsed.value : undefined;
    const type = payload && typeof payload.type === 'string' ? payload.type : event.event;
    return { event, payload, type, key: payload ? items.read(type, payload).key : undefined };
  });

  // Which output indexes (and item ids) are refused calls; the highest index; the response's id.
  const refusedKeys = new Set<number>();
  for (const [key, id] of items.ids()) {
    if (refusedIds.has(id) || items.ownIds(key).some((own) => refusedIds.has(own))) refusedKeys.add(key);
  }
  const refusedItemIds = new Set<string>();
  let maxIndex = -1;
  let responseId: unknown;
  let sequence: number | undefined;
  /** Refused indexes whose item the client has not been sent yet: dropping its `added` event moves the items after it down. */
  const unsent = new Set<number>();
  for (const { payload, type, key } of events) {
    if (!payload) continue;
    if (sequence === undefined && typeof payload.sequence_number === 'number') sequence = payload.sequence_number;
    if (isRecord(payload.response) && payload.response.id !== undefined) responseId = payload.response.id;
    if (key === undefined) continue;
    maxIndex = Math.max(maxIndex, key);
    if (!refusedKeys.has(key)) continue;
    if (isRecord(payload.item) && typeof payload.item.id === 'string') refusedItemIds.add(payload.item.id);
    if (type === 'response.output_item.added' && key >= 0) unsent.add(key);
  }
  const refused: Refused = { ids: refusedIds, itemIds: refusedItemIds };
  const removedBelow = (index: number) => [...unsent].filter((key) => key < index).length;
  let next = sequence ?? 0;

  let out = '';
  const emit = (type: string, fields: Record<string, unknown>) => {
    out += encodeSseEvent({ event: type, data: JSON.stringify({ type, sequence_number: next++, ...fields }) });
  };
  let refusalSent = false;
  const sendRefusal = (terminal?: Record<string, unknown>) => {
    refusalSent = true;
    const id = refusalItemId(responseId);
    // After the last item the client was sent; with no item event held (a call only the final
    // snapshot carried), after the items the snapshot keeps.
    const index = maxIndex >= 0 ? maxIndex + 1 - removedBelow(maxIndex + 1) : Array.isArray(terminal?.output) ? terminal.output.length : 0;
    const at = { item_id: id, output_index: index, content_index: 0 };
    emit('response.output_item.added', { output_index: index, item: { id, type: 'message', status: 'in_progress', content: [], role: 'assistant' } });
    emit('response.content_part.added', { ...at, part: outputTextPart('') });
    emit('response.output_text.delta', { ...at, delta: text, logprobs: [] });
    emit('response.output_text.done', { ...at, text, logprobs: [] });
    emit('response.content_part.done', { ...at, part: outputTextPart(text) });
    emit('response.output_item.done', { output_index: index, item: refusalMessage(id, text) });
  };

  for (const { event, payload, type, key } of events) {
    if (!payload) {
      out += event.encoded;
      continue;
    }
    if (key !== undefined && refusedKeys.has(key)) continue;
    if (typeof payload.item_id === 'string' && refusedItemIds.has(payload.item_id)) continue;
    if (key !== undefined && key >= 0) payload.output_index = key - removedBelow(key);
    const response = isRecord(payload.response) ? payload.response : undefined;
    if (type !== undefined && TERMINAL.has(type) && !refusalSent) {
      if (response) refuseSnapshot(response, refused);
      sendRefusal(response);
      if (response) refuseSnapshot(response, { ids: new Set() }, text, true);
    } else if (type !== undefined && LIFECYCLE.has(type) && response) refuseSnapshot(response, refused);
    if (typeof payload.sequence_number === 'number') payload.sequence_number = next++;
    out += encodeSseEvent({ event: event.event, data: JSON.stringify(payload) });
  }
  // A held part without its terminal event (not released by the core today): the refusal still goes out.
  if (!refusalSent) sendRefusal();
  return out;
}

/**
 * Replaces tool results in a Responses API request's `input`, by the id the request decoder gives
 * them (a usable `call_id`, else `#<position>`): the output of a function, custom tool, local
 * shell or apply-patch call becomes the text, a shell call's output one stdout chunk. False (the
 * request is then refused) when a result to replace is not found, or is one whose output cannot
 * be text (a computer screenshot, a tool search's tool list): never forward the raw result.
 */
export function replaceResponsesToolResults(json: Record<string, unknown>, replacements: ReadonlyMap<string, ToolResultReplacement>): boolean {
  if (!Array.isArray(json.input)) return false;
  const replaced = new Set<string>();
  for (const [position, item] of json.input.entries()) {
    if (!isRecord(item) || !isResultItem(item)) continue;
    const id = resultId(item, position);
    const replacement = replacements.get(id);
    if (!replacement) continue;
    if (item.type === 'computer_call_output' || item.type === 'tool_search_output') return false;
    if (item.type === 'shell_call_output') {
      item.output = [{ stdout: replacement.text, stderr: '', outcome: { type: 'exit', exit_code: replacement.withheld ? 1 : 0 } }];
    } else item.output = replacement.text;
    replaced.add(id);
  }
  return [...replacements.keys()].every((id) => replaced.has(id));
}
