import { isRecord } from '../shared/json.js';
import type { Usage } from '../types.js';

/** OpenAI-style `usage` (Chat Completions and the OpenAI-compatible servers: vLLM, Ollama). */
export function readOpenAIUsage(usage: unknown): Usage | undefined {
  if (!isRecord(usage)) return undefined;
  return {
    inputTokens: typeof usage.prompt_tokens === 'number' ? usage.prompt_tokens : null,
    outputTokens: typeof usage.completion_tokens === 'number' ? usage.completion_tokens : null,
  };
}
