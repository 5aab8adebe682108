import { TextBudget } from '../shared/text-budget.js';
import { isRecord, safeParseJson } from '../shared/json.js';
import type { ExchangeInfo, StreamEventInfo, StreamReader, ToolCallView } from '../types.js';
import { emptyResponseView } from './decode-response.js';
import { type ReadOutput, readOutput, responseFinishReason } from './decode-responses-response.js';
import { readResponsesUsage } from './usage.js';
import { StreamItems } from './responses-stream-items.js';

/**
 * Reads a Responses API stream: typed events (`event: response.output_text.delta` with a JSON
 * `data` whose `type` says the same), no `[DONE]`. Output items are assembled by output index (see
 * StreamItems); the final `response.completed` (or `response.incomplete`) ends the stream, and its
 * response snapshot is what the SDK's `finalResponse()` returns, while a client that iterates the
 * events sees the items. The two may disagree: the answer's calls are the union of what the events
 * carried and what any snapshot carries (a call only in the snapshot is judged, and the terminal
 * event is then held like any event of a call), its hosted calls likewise; its text is the final
 * snapshot's. `response.failed` and `error` are errors the upstream reported.
 *
 * Usage comes from the final snapshot (nothing to ask for). A stream replayed by `GET
 * /responses/{id}?stream=true` counts no tokens: they were counted when the response was made.
 */
export function responsesStreamReader(exchange: ExchangeInfo): StreamReader {
  const view = emptyResponseView();
  const items = new StreamItems(new TextBudget(exchange.maxTextBytes));
  let final: ReadOutput | null = null;
  /** Snapshots of lifecycle events before the end (`response.created`...): their output is empty, unless it is not. */
  const early: ReadOutput[] = [];
  const countUsage = exchange.operation === 'responses';

  /** Reads a lifecycle event's response; true when its snapshot holds a client call. */
  function readResponse(response: unknown, terminal: boolean): boolean {
    if (!isRecord(response)) return false;
    if (typeof response.id === 'string') view.id = response.id;
    if (typeof response.model === 'string') view.model = response.model;
    if (!terminal) {
      const output = Array.isArray(response.output) ? readOutput(response.output) : null;
      if (output && (output.toolCalls.length > 0 || output.hostedCalls.length > 0)) early.push(output);
      return (output?.toolCalls.length ?? 0) > 0;
    }
    if (countUsage) view.usage = readResponsesUsage(response.usage) ?? view.usage;
    view.finishReason = responseFinishReason(response) ?? view.finishReason;
    if (Array.isArray(response.output)) final = readOutput(response.output);
    return (final?.toolCalls.length ?? 0) > 0;
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
          readResponse(payload.response, true);
          return { error: failureMessage(payload.response) };
        case 'response.completed':
        case 'response.incomplete':
          // A call only the snapshot carries holds the stream here, so it is judged before it goes out.
          return readResponse(payload.response, true) ? { terminal: true, toolCall: true } : { terminal: true };
        case 'response.created':
        case 'response.queued':
        case 'response.in_progress':
          return readResponse(payload.response, false) ? { toolCall: true } : {};
        default:
          // A chat-style error body (`{ error: {...} }`) without a type is an error too.
          if (type === undefined && isRecord(payload.error)) return { error: errorMessage(payload) };
          // From the first piece of a tool call on, the proxy may hold the stream for a decision.
          return items.read(type, payload).call ? { toolCall: true } : {};
      }
    },
    view() {
      const snapshots = [...early, ...(final ? [final] : [])];
      view.text = final ? final.text : items.text();
      view.toolCalls = unionOfCalls([items.calls(), ...snapshots.map((snapshot) => snapshot.toolCalls)]);
      const hosted = unionOfTools([items.hostedCalls(), ...snapshots.map((snapshot) => snapshot.hostedCalls)]);
      if (hosted.length > 0) view.hostedCalls = hosted;
      return view;
    },
  };
}

/** Calls from several sources, each distinct call once (same id, name, arguments and shape). */
function unionOfCalls(sources: readonly (readonly ToolCallView[])[]): ToolCallView[] {
  const union: ToolCallView[] = [];
  for (const calls of sources) {
    for (const call of calls) {
      const known = union.some((other) => other.id === call.id && other.name === call.name && other.arguments === call.arguments && other.unknownShape === call.unknownShape);
      if (!known) union.push(call);
    }
  }
  return union;
}

/** Tool names from several sources: each name as often as the source that names it most. */
function unionOfTools(sources: readonly (readonly string[])[]): string[] {
  const union: string[] = [];
  for (const tools of sources) {
    for (const tool of new Set(tools)) {
      const missing = tools.filter((name) => name === tool).length - union.filter((name) => name === tool).length;
      for (let i = 0; i < missing; i++) union.push(tool);
    }
  }
  return union;
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
