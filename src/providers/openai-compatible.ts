import type { ProviderAdapter } from './types.js';
import { openaiAdapter } from './openai/index.js';

export { KNOWN_COMPATIBLE_APIS, type KnownCompatibleApi } from './known-compatible.js';

/**
 * An OpenAI-compatible API under its own name: OpenAI's wire format (so every guard, refusal and
 * redaction of the OpenAI adapter holds), its own name in the audit trail, metrics and keys.
 */
export function openaiCompatibleAdapter(name: string, requiresCredential: boolean): ProviderAdapter {
  return { ...openaiAdapter, name, requiresCredential };
}

/** A base URL on this machine: a server there (LM Studio, llama.cpp, vLLM) usually runs without a key. */
export function isLoopbackUrl(baseUrl: string): boolean {
  const host = new URL(baseUrl).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
