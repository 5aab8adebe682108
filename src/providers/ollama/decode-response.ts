import { decodeChatResponse, emptyResponseView } from '../openai/decode-response.js';
import { isRecord } from '../shared/json.js';
import type { ResponseView, Usage } from '../types.js';
import { OPENAI_CHAT } from './routes.js';
import { createAnswerIds, readToolCalls } from './tool-calls.js';

/** The answer in a complete JSON response of one of Ollama's operations. */
export function decodeOllamaResponse(operation: string, json: unknown): ResponseView {
  if (operation === OPENAI_CHAT) return decodeChatResponse(json);
  const view = emptyResponseView();
  if (!isRecord(json)) return view;
  if (operation !== 'chat' && operation !== 'generate' && operation !== 'embeddings') return view;
  if (typeof json.model === 'string') view.model = json.model;
  view.usage = readOllamaUsage(json);
  if (typeof json.done_reason === 'string') view.finishReason = json.done_reason;
  if (operation === 'generate' && typeof json.response === 'string') view.text = json.response;
  if (operation === 'chat' && isRecord(json.message)) {
    if (typeof json.message.content === 'string') view.text = json.message.content;
    view.toolCalls = readToolCalls(json.message.tool_calls, createAnswerIds());
  }
  return view;
}

/**
 * Ollama's token counts: `prompt_eval_count` and `eval_count`, on a whole answer or on the last
 * (`done: true`) line of a stream. Ollama leaves a zero count out, so an answer that says
 * `done` without one counts zero tokens.
 */
export function readOllamaUsage(json: Record<string, unknown>): Usage {
  const done = json.done === true;
  const count = (value: unknown) => (typeof value === 'number' ? value : done ? 0 : null);
  return { inputTokens: count(json.prompt_eval_count), outputTokens: count(json.eval_count) };
}
