import { isRecord } from '../shared/json.js';
import type { ResponseView, ToolCallView } from '../types.js';
import { contentText } from './decode-request.js';
import { readOpenAIUsage } from './usage.js';

export function emptyResponseView(): ResponseView {
  return { model: null, text: '', toolCalls: [], usage: { inputTokens: null, outputTokens: null }, finishReason: null };
}

/** The answer in a Chat Completions JSON response (the first choice). */
export function decodeChatResponse(json: unknown): ResponseView {
  const view = emptyResponseView();
  if (!isRecord(json)) return view;
  if (typeof json.model === 'string') view.model = json.model;
  view.usage = readOpenAIUsage(json.usage) ?? view.usage;
  const choice = Array.isArray(json.choices) ? json.choices[0] : undefined;
  if (!isRecord(choice)) return view;
  if (typeof choice.finish_reason === 'string') view.finishReason = choice.finish_reason;
  // A legacy Completions choice carries `text` where a chat choice carries `message`.
  if (typeof choice.text === 'string') view.text = choice.text;
  const message = choice.message;
  if (!isRecord(message)) return view;
  view.text = contentText(message.content);
  if (Array.isArray(message.tool_calls)) {
    view.toolCalls = message.tool_calls.flatMap((call): ToolCallView[] => {
      if (!isRecord(call) || !isRecord(call.function)) return [];
      const { name, arguments: args } = call.function;
      return [{ id: typeof call.id === 'string' ? call.id : '', name: typeof name === 'string' ? name : '', arguments: typeof args === 'string' ? args : '' }];
    });
  }
  return view;
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
