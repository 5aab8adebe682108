import type { AnswerFormat, OperationRoute } from '../types.js';

/** A model id as it appears in a path (`claude-sonnet-4-6`): no slashes, no dot-only segments. */
export const MODEL_ID_SEGMENT = /^(?!\.{1,2}$)([A-Za-z0-9._~:@+-]{1,256})$/;

/**
 * Anthropic's API paths the proxy serves, relative to the base URL (the origin: the SDK appends
 * `/v1/...` itself). `operation` follows the OpenTelemetry GenAI names: Messages is `chat`.
 */
export const anthropicRoutes: readonly OperationRoute[] = [
  { method: 'POST', segments: ['v1', 'messages'], operation: 'chat', hasBody: true },
  { method: 'POST', segments: ['v1', 'messages', 'count_tokens'], operation: 'count_tokens', hasBody: true },
  { method: 'GET', segments: ['v1', 'models'], operation: 'models', hasBody: false },
  { method: 'GET', segments: ['v1', 'models', MODEL_ID_SEGMENT], operation: 'models', hasBody: false },
];

/** Messages answers are model output, as JSON or (when the request streams) SSE; the rest passes as it is. */
export function anthropicAnswerFormat(operation: string, stream: boolean): AnswerFormat {
  if (operation !== 'chat') return 'opaque';
  return stream ? 'sse' : 'json';
}
