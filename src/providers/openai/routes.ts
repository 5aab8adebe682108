import type { OperationRoute } from '../types.js';

/** A model id as it appears in a path: no slashes, no dot-only segments. */
export const MODEL_SEGMENT = /^(?!\.{1,2}$)([A-Za-z0-9._~:@+-]{1,256})$/;

/** OpenAI's API paths the proxy serves, relative to the base URL (which ends in `/v1`). */
export const openaiRoutes: readonly OperationRoute[] = [
  { method: 'POST', segments: ['chat', 'completions'], operation: 'chat', hasBody: true },
  { method: 'GET', segments: ['models'], operation: 'models', hasBody: false },
  { method: 'GET', segments: ['models', MODEL_SEGMENT], operation: 'models', hasBody: false },
];
