import type { ProviderName } from '../types.js';
import { anthropicAdapter } from './anthropic/index.js';
import { bedrockAdapter } from './bedrock/index.js';
import { geminiAdapter } from './gemini/index.js';
import { ollamaAdapter } from './ollama/index.js';
import { openaiAdapter } from './openai/index.js';
import type { ProviderAdapter } from './types.js';

/**
 * Provider name -> adapter. vLLM serves OpenAI's wire format at its own base URL, so it reuses the
 * OpenAI adapter under its own name. Providers without an adapter yet are absent: their paths 404.
 */
export const providerAdapters: Partial<Record<ProviderName, ProviderAdapter>> = {
  openai: openaiAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
  // A self-hosted vLLM often runs without a key.
  vllm: { ...openaiAdapter, name: 'vllm', requiresCredential: false },
  ollama: ollamaAdapter,
  bedrock: bedrockAdapter,
};
