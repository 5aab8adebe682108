import { isRecord } from '../shared/json.js';
import type { ResponseView, ToolCallView } from '../types.js';
import { contentText } from './decode-request.js';
import { readOpenAIUsage } from './usage.js';

export function emptyResponseView(): ResponseView {
  return { model: null, text: '', toolCalls: [], usage: { inputTokens: null, outputTokens: null }, finishReason: null };
}

/**
 * The answer in a Chat Completions JSON response: the first choice's text, and the tool calls of
 * every choice (a request with `n` > 1 gets several), so none goes out unjudged.
 */
export function decodeChatResponse(json: unknown): ResponseView {
  const view = emptyResponseView();
  if (!isRecord(json)) return view;
  if (typeof json.model === 'string') view.model = json.model;
  view.usage = readOpenAIUsage(json.usage) ?? view.usage;
  const choices = Array.isArray(json.choices) ? json.choices.filter(isRecord) : [];
  const first = choices[0];
  if (!first) return view;
  if (typeof first.finish_reason === 'string') view.finishReason = first.finish_reason;
  // A legacy Completions choice carries `text` where a chat choice carries `message`.
  if (typeof first.text === 'string') view.text = first.text;
  if (isRecord(first.message)) view.text = contentText(first.message.content);
  view.toolCalls = choices.flatMap((choice) => (isRecord(choice.message) ? messageToolCalls(choice.message) : []));
  return view;
}

function messageToolCalls(message: Record<string, unknown>): ToolCallView[] {
  if (!Array.isArray(message.tool_calls)) return [];
  return message.tool_calls.flatMap((call): ToolCallView[] => {
    if (!isRecord(call) || !isRecord(call.function)) return [];
    const { name, arguments: args } = call.function;
    return [{ id: typeof call.id === 'string' ? call.id : '', name: typeof name === 'string' ? name : '', arguments: typeof args === 'string' ? args : '' }];
  });
}

/** An Embeddings response: only the model and the input tokens (`usage.prompt_tokens`). */
export function decodeEmbeddingsResponse(json: unknown): ResponseView {
  const view = emptyResponseView();
  if (!isRecord(json)) return view;
  if (typeof json.model === 'string') view.model = json.model;
  const usage = readOpenAIUsage(json.usage);
  if (usage) view.usage = { inputTokens: usage.inputTokens, outputTokens: null };
  return view;
}
