import { isRecord } from '../shared/json.js';
import type { Usage } from '../types.js';

/**
 * OpenAI-style `usage` (Chat Completions and the OpenAI-compatible servers: vLLM, Ollama):
 * `prompt_tokens` (cache reads included, `prompt_tokens_details.cached_tokens`) and
 * `completion_tokens` (reasoning included, `completion_tokens_details.reasoning_tokens`).
 */
export function readOpenAIUsage(usage: unknown): Usage | undefined {
  if (!isRecord(usage)) return undefined;
  return {
    inputTokens: count(usage.prompt_tokens),
    outputTokens: count(usage.completion_tokens),
    ...details(detail(usage.prompt_tokens_details, 'cached_tokens'), detail(usage.completion_tokens_details, 'reasoning_tokens')),
    // Prompt-cache writes, where an OpenAI-shaped answer reports them (OpenRouter; the model
    // router's translation of Anthropic's): part of the prompt, priced at the cache-write rate.
    ...cacheWrites(detail(usage.prompt_tokens_details, 'cache_write_tokens')),
  };
}

function cacheWrites(cacheWriteTokens: number | null): Partial<Usage> {
  return cacheWriteTokens ? { cacheWriteTokens } : {};
}

/** The Responses API's `usage`: `input_tokens` and `output_tokens`, with the same details under their own names. */
export function readResponsesUsage(usage: unknown): Usage | undefined {
  if (!isRecord(usage)) return undefined;
  return {
    inputTokens: count(usage.input_tokens),
    outputTokens: count(usage.output_tokens),
    ...details(detail(usage.input_tokens_details, 'cached_tokens'), detail(usage.output_tokens_details, 'reasoning_tokens')),
  };
}

function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

function detail(details: unknown, name: string): number | null {
  return isRecord(details) ? count(details[name]) : null;
}

/** Only the kinds counted: zeros are left out, so an answer without them reads as before. */
function details(cacheReadTokens: number | null, reasoningTokens: number | null): Partial<Usage> {
  return { ...(cacheReadTokens ? { cacheReadTokens } : {}), ...(reasoningTokens ? { reasoningTokens } : {}) };
}
