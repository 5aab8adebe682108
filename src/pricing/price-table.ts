import type { Provider, calcPrice } from '@pydantic/genai-prices';
import type { BuiltinProviderName, ProviderName } from '../types.js';
import { KNOWN_COMPATIBLE_APIS } from '../providers/known-compatible.js';

/**
 * The bundled price table, `@pydantic/genai-prices`: its data ships in the package (no network;
 * its optional auto-update is never turned on). About 800 KB of JavaScript that takes ~100 ms to
 * load, so it is imported once per process, when the first proxy is built, never on the import of
 * this library nor on a request.
 */
export interface PriceTable {
  calcPrice: typeof calcPrice;
  findProvider(providerId: string): Provider | undefined;
}

let loading: Promise<PriceTable | null> | undefined;

/** Starts loading the table (once per process); resolves with null if it cannot be loaded. */
export function loadPriceTable(): Promise<PriceTable | null> {
  loading ??= import('@pydantic/genai-prices').then(
    (prices) => ({ calcPrice: prices.calcPrice, findProvider: (providerId) => prices.findProvider({ providerId }) }),
    (error: unknown) => {
      // Costs become unknown (null, counted), never 0; requests go on.
      console.error('[archestra] the price table could not be loaded; costs are unknown:', error instanceof Error ? error.message : error);
      return null;
    },
  );
  return loading;
}

/**
 * The table's provider for each of ours. vLLM and Ollama serve models on the user's own hardware:
 * the table's price for the same model at a cloud host would be wrong, so they are priced only
 * from `pricing.models`.
 */
const TABLE_PROVIDER: Readonly<Record<BuiltinProviderName, string | null>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  gemini: 'google',
  vllm: null,
  ollama: null,
  azure: 'azure',
};

/**
 * The table's provider id for one of ours: a built-in's, or a well-known OpenAI-compatible API's
 * (`groq`, `xai` as `x-ai`, ...); null for any other name (priced only from `pricing.models`).
 */
export function tableProviderId(provider: ProviderName): string | null {
  if (Object.hasOwn(TABLE_PROVIDER, provider)) return TABLE_PROVIDER[provider as BuiltinProviderName];
  return KNOWN_COMPATIBLE_APIS.get(provider)?.pricesAs ?? null;
}
