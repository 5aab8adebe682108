import type { OperationRoute } from '../types.js';

/** OpenAI's API paths the proxy serves, relative to the base URL (which ends in `/v1`). */
export const openaiRoutes: readonly OperationRoute[] = [
  { method: 'POST', segments: ['chat', 'completions'], operation: 'chat', hasBody: true },
  { method: 'GET', segments: ['models'], operation: 'models', hasBody: false },
  { method: 'GET', segments: ['models', '*'], operation: 'models', hasBody: false },
];
