import type { AnswerFormat, OperationRoute } from '../types.js';

/** A model id as it appears in a path: no slashes, no dot-only segments. */
export const MODEL_SEGMENT = /^(?!\.{1,2}$)([A-Za-z0-9._~:@+-]{1,256})$/;

/**
 * A stored response's id (`resp_...`) in a path. It captures nothing: a response id is not a model
 * (as a metrics label it would be one series per response).
 */
export const RESPONSE_ID_SEGMENT = /^()(?!\.{1,2}$)[A-Za-z0-9._~:@+-]{1,256}$/;

/** OpenAI's API paths the proxy serves, relative to the base URL (which ends in `/v1`). */
export const openaiRoutes: readonly OperationRoute[] = [
  { method: 'POST', segments: ['chat', 'completions'], operation: 'chat', hasBody: true },
  { method: 'POST', segments: ['responses'], operation: 'responses', hasBody: true },
  { method: 'GET', segments: ['responses', RESPONSE_ID_SEGMENT], operation: 'responses.retrieve', hasBody: false },
  { method: 'DELETE', segments: ['responses', RESPONSE_ID_SEGMENT], operation: 'responses.delete', hasBody: false },
  { method: 'POST', segments: ['responses', RESPONSE_ID_SEGMENT, 'cancel'], operation: 'responses.cancel', hasBody: false },
  { method: 'GET', segments: ['responses', RESPONSE_ID_SEGMENT, 'input_items'], operation: 'responses.input_items', hasBody: false },
  { method: 'POST', segments: ['embeddings'], operation: 'embeddings', hasBody: true },
  // The legacy Completions API; `text_completion` is its OpenTelemetry GenAI operation name.
  { method: 'POST', segments: ['completions'], operation: 'text_completion', hasBody: true },
  { method: 'GET', segments: ['models'], operation: 'models', hasBody: false },
  { method: 'GET', segments: ['models', MODEL_SEGMENT], operation: 'models', hasBody: false },
];

/** Operations whose answer is model output (text, tool calls), read as the request asked for it. */
const MODEL_OUTPUT = new Set(['chat', 'text_completion', 'responses', 'responses.cancel']);

/**
 * How an answer is read: model output as JSON, or SSE when the request streams (a stored
 * response read back with `?stream=true` too); lists, embeddings and deletions pass as they are.
 */
export function openaiAnswerFormat(operation: string, stream: boolean, query: URLSearchParams): AnswerFormat {
  if (operation === 'responses.retrieve') return query.get('stream') === 'true' ? 'sse' : 'json';
  if (!MODEL_OUTPUT.has(operation)) return 'opaque';
  return stream ? 'sse' : 'json';
}
