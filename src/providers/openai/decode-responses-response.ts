import { isRecord } from '../shared/json.js';
import type { ResponseView, ToolCallView } from '../types.js';
import { emptyResponseView } from './decode-response.js';
import { assignCallIds, type CallItem, readOutputItem } from './responses-output-items.js';
import { readResponsesUsage } from './usage.js';


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

/** What a response's `output` holds for the view; `callIds` gives each call item's view id by position. */
export interface ReadOutput {
  text: string;
  toolCalls: ToolCallView[];
  hostedCalls: string[];
  callIds: Map<number, string>;
}

/**
 * Reads a response's `output` (see readOutputItem): the texts of its messages joined, its client
 * calls in order with their view ids (own call id, or `#<position>` when it is missing, odd or
 * shared), and its hosted calls.
 */
export function readOutput(output: readonly unknown[]): ReadOutput {
  const pieces = output.map(readOutputItem);
  const owned = new Map<number, (string | null)[]>();
  for (const [position, piece] of pieces.entries()) if (piece?.kind === 'call') owned.set(position, [piece.call.ownId]);
  const callIds = assignCallIds(owned);
  const read: ReadOutput = { text: '', toolCalls: [], hostedCalls: [], callIds };
  for (const [position, piece] of pieces.entries()) {
    if (piece?.kind === 'text') read.text += piece.text;
    if (piece?.kind === 'hosted') read.hostedCalls.push(piece.tool);
    if (piece?.kind === 'call') read.toolCalls.push(toView(piece.call, callIds.get(position)!));
  }
  return read;
}

/** A call item as the policy sees it, under its view id. */
export function toView(call: CallItem, id: string): ToolCallView {
  const view: ToolCallView = { id, name: call.name, arguments: call.arguments };
  if (call.unknownShape) view.unknownShape = true;
  return view;
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
  if (Array.isArray(json.output)) {
    const { text, toolCalls, hostedCalls } = readOutput(json.output);
    Object.assign(view, { text, toolCalls });
    if (hostedCalls.length > 0) view.hostedCalls = hostedCalls;
  }
  return view;
}

