import { isRecord } from '../shared/json.js';
import type { ResponseView, ToolCallView, Usage } from '../types.js';
import { answerBlockKind, hostedCallsOf } from './blocks.js';
import { answerCallIds } from './call-ids.js';
import { contentText, toolCallOf, unknownCallOf } from './content.js';

export function emptyResponseView(): ResponseView {
  return { model: null, text: '', toolCalls: [], usage: { inputTokens: null, outputTokens: null }, finishReason: null };
}

/**
 * Anthropic's `usage`: `input_tokens` as reported (prompt-cache reads and writes are counted apart,
 * in `cache_*_input_tokens`, and not added in), and `output_tokens`.
 */
export function readAnthropicUsage(usage: unknown): Usage | undefined {
  if (!isRecord(usage)) return undefined;
  return {
    inputTokens: typeof usage.input_tokens === 'number' ? usage.input_tokens : null,
    outputTokens: typeof usage.output_tokens === 'number' ? usage.output_tokens : null,
  };
}

/**
 * The answer in a Messages JSON response. The text is the `text` blocks joined as they are (a
 * cited answer comes as many consecutive blocks of one text). The calls are the `tool_use` blocks
 * (the ones the client runs) and blocks of types the proxy does not know (`unknownShape`), with
 * the ids the refusal encoder knows them by (./call-ids.ts). Server and MCP tool calls already ran
 * at Anthropic: they are `hostedCalls`, and the client's calls next to them are judged as tainted.
 */
export function decodeMessageResponse(json: unknown): ResponseView {
  const view = emptyResponseView();
  if (!isRecord(json)) return view;
  if (typeof json.model === 'string') view.model = json.model;
  view.usage = readAnthropicUsage(json.usage) ?? view.usage;
  if (typeof json.stop_reason === 'string') view.finishReason = json.stop_reason;
  if (!Array.isArray(json.content)) return view;
  const content: unknown[] = json.content;
  view.text = contentText(content.filter((block) => isRecord(block) && block.type === 'text'), '');
  view.toolCalls = answerCalls(content);
  const hosted = hostedCallsOf(content);
  if (hosted.length > 0) view.hostedCalls = hosted;
  return view;
}

/** The judged calls of an answer's content blocks (in a stream: its blocks by index). */
export function answerCalls(content: readonly unknown[]): ToolCallView[] {
  const ids = answerCallIds(content);
  const calls: ToolCallView[] = [];
  content.forEach((block, at) => {
    const id = ids[at];
    if (id === undefined) return;
    calls.push(answerBlockKind(block) === 'client_call' ? toolCallOf(block as Record<string, unknown>, id) : unknownCallOf(block, id));
  });
  return calls;
}
