import { MODEL_SEGMENT } from '../openai/routes.js';
import type { AnswerFormat, OperationRoute } from '../types.js';

/**
 * The operation of Ollama's OpenAI-compatible `/v1/chat/completions`. It differs from the native
 * `chat` because the answer is in another wire format (OpenAI JSON and SSE, not NDJSON), and the
 * stream reader learns which one only from the operation.
 */
export const OPENAI_CHAT = 'chat_completions';

/**
 * Ollama's API paths the proxy serves, relative to the base URL (the server's origin): the native
 * API under `/api/`, and the OpenAI-compatible one under `/v1/`.
 */
export const ollamaRoutes: readonly OperationRoute[] = [
  { method: 'POST', segments: ['api', 'chat'], operation: 'chat', hasBody: true },
  { method: 'POST', segments: ['api', 'generate'], operation: 'generate', hasBody: true },
  { method: 'POST', segments: ['api', 'embed'], operation: 'embeddings', hasBody: true },
  { method: 'POST', segments: ['api', 'show'], operation: 'show', hasBody: true },
  { method: 'GET', segments: ['api', 'tags'], operation: 'models', hasBody: false },
  { method: 'POST', segments: ['v1', 'chat', 'completions'], operation: OPENAI_CHAT, hasBody: true },
  { method: 'GET', segments: ['v1', 'models'], operation: 'models', hasBody: false },
  { method: 'GET', segments: ['v1', 'models', MODEL_SEGMENT], operation: 'models', hasBody: false },
];

/**
 * The native chat and generate answers are JSON, or NDJSON when the request streams (Ollama's
 * default); the OpenAI-compatible chat is JSON or SSE. Embeddings, `show` and model lists pass as they are.
 */
export function ollamaAnswerFormat(operation: string, stream: boolean): AnswerFormat {
  if (operation === 'chat' || operation === 'generate') return stream ? 'ndjson' : 'json';
  if (operation === OPENAI_CHAT) return stream ? 'sse' : 'json';
  return 'opaque';
}
