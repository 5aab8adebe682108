/** A well-known OpenAI-compatible API: `providers: { groq: {} }` is enough to serve it. */
export interface KnownCompatibleApi {
  /** Its public base URL (what its docs give as the OpenAI SDK's `baseURL`). */
  baseUrl: string;
  /** Its provider id in the bundled price table; null when it has none (a model on your own machine). */
  pricesAs: string | null;
  /** It runs on your own machine and needs no key. */
  keyless?: boolean;
}

/** The built-in list; a name not in it needs `kind: 'openai-compatible'` and a `baseUrl`. */
export const KNOWN_COMPATIBLE_APIS: ReadonlyMap<string, KnownCompatibleApi> = new Map([
  ['groq', { baseUrl: 'https://api.groq.com/openai/v1', pricesAs: 'groq' }],
  ['mistral', { baseUrl: 'https://api.mistral.ai/v1', pricesAs: 'mistral' }],
  ['deepseek', { baseUrl: 'https://api.deepseek.com', pricesAs: 'deepseek' }],
  ['xai', { baseUrl: 'https://api.x.ai/v1', pricesAs: 'x-ai' }],
  ['openrouter', { baseUrl: 'https://openrouter.ai/api/v1', pricesAs: 'openrouter' }],
  ['together', { baseUrl: 'https://api.together.xyz/v1', pricesAs: 'together' }],
  ['fireworks', { baseUrl: 'https://api.fireworks.ai/inference/v1', pricesAs: 'fireworks' }],
  ['cerebras', { baseUrl: 'https://api.cerebras.ai/v1', pricesAs: 'cerebras' }],
  ['perplexity', { baseUrl: 'https://api.perplexity.ai', pricesAs: 'perplexity' }],
  ['lmstudio', { baseUrl: 'http://127.0.0.1:1234/v1', pricesAs: null, keyless: true }],
  ['llamacpp', { baseUrl: 'http://127.0.0.1:8080/v1', pricesAs: null, keyless: true }],
]);
