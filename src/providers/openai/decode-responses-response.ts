import { isRecord } from '../shared/json.js';
import type { ResponseView, ToolCallView, Usage } from '../types.js';
import { emptyResponseView } from './decode-response.js';

/** The Responses API's `usage`: `input_tokens` and `output_tokens`. */
export function readResponsesUsage(usage: unknown): Usage | undefined {
  if (!isRecord(usage)) return undefined;
  return {
    inputTokens: typeof usage.input_tokens === 'number' ? usage.input_tokens : null,
    outputTokens: typeof usage.output_tokens === 'number' ? usage.output_tokens : null,
  };
}

/**
 * How a response ended: its status, or for an incomplete one the reason (`max_output_tokens`,
 * `content_filter`). Null while it is still queued or in progress.
 */
export function responseFinishReason(response: Record<string, unknown>): string | null {
  const { status } = response;
  if (status === 'incomplete') {
    const details = response.incomplete_details;
    return isRecord(details) && typeof details.reason === 'string' ? details.reason : 'incomplete';
  }
  return typeof status === 'string' && status !== 'queued' && status !== 'in_progress' ? status : null;
}

/** One output item as the view sees it: message text, or a tool call. */
export type OutputPiece = { kind: 'text'; text: string } | { kind: 'call'; call: ToolCallView } | null;

/** A `message` item's text (its `output_text` parts), or a `function_call` / `custom_tool_call` item's call. */
export function readOutputItem(item: unknown): OutputPiece {
  if (!isRecord(item)) return null;
  if (item.type === 'message' && Array.isArray(item.content)) {
    const text = item.content.map((part) => (isRecord(part) && part.type === 'output_text' && typeof part.text === 'string' ? part.text : '')).join('');
    return { kind: 'text', text };
  }
  if (item.type === 'function_call' || item.type === 'custom_tool_call') {
    const args = item.type === 'function_call' ? item.arguments : item.input;
    return { kind: 'call', call: { id: str(item.call_id), name: str(item.name), arguments: str(args) } };
  }
  return null;
}

/** Joins the pieces of a response's output: the texts of its messages, and its tool calls in order. */
export function joinOutput(pieces: readonly OutputPiece[]): { text: string; toolCalls: ToolCallView[] } {
  const texts: string[] = [];
  const toolCalls: ToolCallView[] = [];
  for (const piece of pieces) {
    if (piece?.kind === 'text') texts.push(piece.text);
    if (piece?.kind === 'call') toolCalls.push(piece.call);
  }
  return { text: texts.join(''), toolCalls };
}

/**
 * The answer in a Responses API `response` object: `POST /responses` without `stream`, `GET
 * /responses/{id}`, and the snapshot `response.completed` carries. `countUsage` is false when the
 * response was only read back: its tokens were counted when it was made.
 */
export function decodeResponsesResponse(json: unknown, countUsage = true): ResponseView {
  const view = emptyResponseView();
  if (!isRecord(json)) return view;
  if (typeof json.id === 'string') view.id = json.id;
  if (typeof json.model === 'string') view.model = json.model;
  if (countUsage) view.usage = readResponsesUsage(json.usage) ?? view.usage;
  view.finishReason = responseFinishReason(json);
  if (Array.isArray(json.output)) Object.assign(view, joinOutput(json.output.map(readOutputItem)));
  return view;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
