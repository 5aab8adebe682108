import { isRecord, safeParseJson } from '../shared/json.js';
import type { ExchangeInfo, StreamEventInfo, StreamReader, ToolCallView } from '../types.js';
import { emptyResponseView } from './decode-response.js';
import { joinOutput, type OutputPiece, readOutputItem, readResponsesUsage, responseFinishReason } from './decode-responses-response.js';

/** An output item being streamed: a message's text parts by `content_index`, or a tool call. */
type Assembling = { kind: 'text'; parts: string[] } | { kind: 'call'; call: ToolCallView };

/**
 * Reads a Responses API stream: typed events (`event: response.output_text.delta` with a JSON
 * `data` whose `type` says the same), no `[DONE]`. Output items are assembled by `output_index`
 * from `response.output_item.added`, the text and argument deltas and their `.done` events; the
 * final `response.completed` (or `response.incomplete`) ends the stream, and its response snapshot,
 * which is what the SDK's `finalResponse()` returns, becomes the answer. `response.failed` and
 * `error` are errors the upstream reported.
 *
 * Usage comes from the final snapshot (nothing to ask for). A stream replayed by `GET
 * /responses/{id}?stream=true` counts no tokens: they were counted when the response was made.
 */
export function responsesStreamReader(exchange: ExchangeInfo): StreamReader {
  const view = emptyResponseView();
  const items = new Map<number, Assembling>();
  let final: OutputPiece[] | null = null;
  const countUsage = exchange.operation === 'responses';

  function readResponse(response: unknown): void {
    if (!isRecord(response)) return;
    if (typeof response.id === 'string') view.id = response.id;
    if (typeof response.model === 'string') view.model = response.model;
    if (countUsage) view.usage = readResponsesUsage(response.usage) ?? view.usage;
    view.finishReason = responseFinishReason(response) ?? view.finishReason;
    if (Array.isArray(response.output)) final = response.output.map(readOutputItem);
  }

  return {
    endsAtEof: false,
    read({ event, data }): StreamEventInfo {
      const parsed = safeParseJson(data);
      if (!parsed.success || !isRecord(parsed.value)) return {};
      const payload = parsed.value;
      const type = typeof payload.type === 'string' ? payload.type : event;
      switch (type) {
        case 'error':
          return { error: errorMessage(payload) };
        case 'response.failed':
          readResponse(payload.response);
          return { error: failureMessage(payload.response) };
        case 'response.completed':
        case 'response.incomplete':
          readResponse(payload.response);
          return { terminal: true };
        case 'response.created':
        case 'response.queued':
        case 'response.in_progress':
          // Only who and what: its (empty) output must not stand for the items that follow.
          if (isRecord(payload.response)) {
            if (typeof payload.response.id === 'string') view.id = payload.response.id;
            if (typeof payload.response.model === 'string') view.model = payload.response.model;
          }
          return {};
        default:
          // A chat-style error body (`{ error: {...} }`) without a type is an error too.
          if (type === undefined && isRecord(payload.error)) return { error: errorMessage(payload) };
          // From the first piece of a tool call on, the proxy may hold the stream for a decision.
          return readItemEvent(items, type, payload) ? { toolCall: true } : {};
      }
    },
    view() {
      const pieces = final ?? [...items.entries()].sort(([a], [b]) => a - b).map(([, item]) => toPiece(item));
      Object.assign(view, joinOutput(pieces));
      return view;
    },
  };
}

/**
 * Applies one output-item event (`response.output_item.*`, text and argument deltas) to `items`;
 * true when the event carries (part of) a tool call.
 */
function readItemEvent(items: Map<number, Assembling>, type: string | undefined, payload: Record<string, unknown>): boolean {
  const index = payload.output_index;
  if (typeof index !== 'number') return false;
  if (type === 'response.output_item.added' || type === 'response.output_item.done') {
    const piece = readOutputItem(payload.item);
    if (piece?.kind === 'text') items.set(index, { kind: 'text', parts: [piece.text] });
    if (piece?.kind === 'call') items.set(index, { kind: 'call', call: { ...piece.call } });
    return piece?.kind === 'call';
  }
  const item = items.get(index);
  if (item?.kind === 'text') {
    const part = typeof payload.content_index === 'number' ? payload.content_index : 0;
    if (type === 'response.content_part.added' && isRecord(payload.part)) item.parts[part] = str(payload.part.text);
    if (type === 'response.output_text.delta') item.parts[part] = (item.parts[part] ?? '') + str(payload.delta);
    if (type === 'response.output_text.done' && typeof payload.text === 'string') item.parts[part] = payload.text;
  }
  if (item?.kind === 'call') {
    if (type === 'response.function_call_arguments.delta' || type === 'response.custom_tool_call_input.delta') item.call.arguments += str(payload.delta);
    if (type === 'response.function_call_arguments.done' && typeof payload.arguments === 'string') item.call.arguments = payload.arguments;
    if (type === 'response.custom_tool_call_input.done' && typeof payload.input === 'string') item.call.arguments = payload.input;
  }
  return item?.kind === 'call' || (type?.startsWith('response.function_call_arguments.') ?? false) || (type?.startsWith('response.custom_tool_call_input.') ?? false);
}

function toPiece(item: Assembling): OutputPiece {
  return item.kind === 'text' ? { kind: 'text', text: item.parts.join('') } : { kind: 'call', call: item.call };
}

/** The message of an `error` event: nested (`{ error: { message } }`, what the API sends) or flat (as documented). */
function errorMessage(payload: Record<string, unknown>): string {
  if (isRecord(payload.error) && typeof payload.error.message === 'string') return payload.error.message;
  return typeof payload.message === 'string' ? payload.message : 'The upstream reported an error mid-stream.';
}

function failureMessage(response: unknown): string {
  if (isRecord(response) && isRecord(response.error) && typeof response.error.message === 'string') return response.error.message;
  return 'The upstream response failed.';
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
