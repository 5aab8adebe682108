import type { ProviderName } from '../types.js';

/**
 * The most answer tokens a request asks for, in its own wire format's field: OpenAI Chat's
 * `max_completion_tokens` (or the older `max_tokens`), Responses' `max_output_tokens`,
 * Anthropic's `max_tokens`, Bedrock Converse's `inferenceConfig.maxTokens`, Gemini's `generationConfig.maxOutputTokens`, Ollama's
 * `options.num_predict`. 0 for an operation that answers no tokens (embeddings); null when the
 * request sets none (or Ollama's -1 and -2: until the model stops, or the context is full).
 */
export function requestedMaxTokens(provider: ProviderName, operation: string, json: unknown): number | null {
  if (operation === 'embeddings') return 0;
  if (typeof json !== 'object' || json === null) return null;
  const body = json as Record<string, unknown>;
  switch (provider) {
    case 'anthropic':
      return count(body.max_tokens);
    case 'gemini': {
      const config = (body.generationConfig ?? body.generation_config) as Record<string, unknown> | undefined;
      return count(config?.maxOutputTokens ?? config?.max_output_tokens);
    }
    case 'bedrock': {
      // Converse's `inferenceConfig.maxTokens`; InvokeModel's Anthropic body says `max_tokens`.
      const config = body.inferenceConfig as Record<string, unknown> | undefined;
      return count(config?.maxTokens ?? body.max_tokens);
    }
    case 'ollama':
      if (operation === 'chat' || operation === 'generate') return count((body.options as Record<string, unknown> | undefined)?.num_predict);
      return openaiMax(body);
    default:
      return openaiMax(body);
  }
}

function openaiMax(body: Record<string, unknown>): number | null {
  return count(body.max_completion_tokens ?? body.max_output_tokens ?? body.max_tokens);
}

function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;
}
