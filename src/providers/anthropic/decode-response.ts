import { isRecord } from '../shared/json.js';
import type { ResponseView, Usage } from '../types.js';
import { contentText, toolCallOf } from './content.js';

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
 * cited answer comes as many consecutive blocks of one text); the tool calls are the `tool_use`
 * blocks, the ones the client runs (server tool calls already ran at Anthropic).
 */
export function decodeMessageResponse(json: unknown): ResponseView {
  const view = emptyResponseView();
  if (!isRecord(json)) return view;
  if (typeof json.model === 'string') view.model = json.model;
  view.usage = readAnthropicUsage(json.usage) ?? view.usage;
  if (typeof json.stop_reason === 'string') view.finishReason = json.stop_reason;
  if (!Array.isArray(json.content)) return view;
  view.text = contentText(json.content.filter((block) => isRecord(block) && block.type === 'text'), '');
  for (const block of json.content) {
    if (isRecord(block) && block.type === 'tool_use') view.toolCalls.push(toolCallOf(block));
  }
  return view;
}
