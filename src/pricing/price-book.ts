import type { Provider, Usage as TableUsage } from '@pydantic/genai-prices';
import type { ModelPrice, PricingConfig } from '../config/pricing-schema.js';
import type { Usage } from '../providers/types.js';
import type { ProviderName } from '../types.js';
import { compileOverrides } from './overrides.js';
import { type PriceTable, loadPriceTable, tableProviderId } from './price-table.js';

/** What a model costs: the configured prices, or the bundled table's. */
export interface PriceBook {
  /** The table has loaded (or failed to): `cost()` can answer for every model. */
  readonly loaded: boolean;
  /** Resolves once the table has loaded; at once after that. */
  ready(): Promise<void>;
  /**
   * The cost in US dollars of `usage` on `provider`'s `model`, or null when its price is not
   * known (never 0 for an unknown model). A budget's worst case is the same question, with the
   * request's prompt and its `max_tokens` as the usage.
   */
  cost(provider: ProviderName, model: string, usage: Usage, at?: Date): number | null;
}

/** Models whose price was looked up, remembered; the oldest forgotten first past this many (clients name models). */
const MAX_REMEMBERED_MODELS = 1_000;

/** A resolved model matches whatever name it is asked with: the lookup was done once. */
const ANY_NAME = { starts_with: '' } as const;

/** `providerNames`: the names a `pricing.models` key may start with (`groq:llama-3.3-70b`). */
export function createPriceBook(config: PricingConfig, providerNames?: Iterable<string>): PriceBook {
  const override = compileOverrides(config.models, providerNames);
  let table: PriceTable | null = null;
  let loaded = false;
  const loading = loadPriceTable().then((loadedTable) => {
    table = loadedTable;
    loaded = true;
  });
  // Each model resolved once, to a one-model provider the table prices without searching.
  const resolved = new Map<string, Provider | null>();

  function resolve(table: PriceTable, provider: ProviderName, model: string): Provider | null {
    const key = `${provider}\u0000${model}`;
    const known = resolved.get(key);
    if (known !== undefined) return known;
    const configured = override(provider, model);
    const found = configured ? configuredProvider(model, configured) : tableProvider(table, provider, model);
    if (resolved.size >= MAX_REMEMBERED_MODELS) resolved.delete(resolved.keys().next().value!);
    resolved.set(key, found);
    return found;
  }

  return {
    get loaded() {
      return loaded;
    },
    ready: () => loading,
    cost(provider, model, usage, at) {
      // Configured prices are added up by the table's arithmetic too: before it is loaded (or if it
      // could not be), unknown. The pipeline waits for it before it reads an answer.
      if (!table) return null;
      const priced = resolve(table, provider, model);
      return priced ? price(table, priced, model, usage, at) : null;
    },
  };
}

function price(table: PriceTable, provider: Provider, model: string, usage: Usage, at?: Date): number | null {
  try {
    const result = table.calcPrice(tableUsage(usage), model, { provider, timestamp: at });
    return result ? roundUsd(result.total_price) : null;
  } catch {
    // Counts the table cannot add up (more cached tokens than prompt tokens): unknown, not a guess.
    return null;
  }
}

/** The table's model for `model`, as a one-model provider; null when the table has none. */
function tableProvider(table: PriceTable, provider: ProviderName, model: string): Provider | null {
  const providerId = tableProviderId(provider);
  if (providerId === null) return null;
  const found = table.calcPrice({}, model, { providerId });
  if (!found) return null;
  return { ...found.provider, fallback_model_providers: undefined, models: [{ ...found.model, match: ANY_NAME }] };
}

/** A configured price in the table's terms; a kind left out costs what it is part of. */
function configuredProvider(model: string, price: ModelPrice): Provider {
  const prices: Record<string, number> = { input_mtok: price.input, output_mtok: price.output };
  if (price.cachedInput !== undefined) prices.cache_read_mtok = price.cachedInput;
  if (price.cacheWrite !== undefined) prices.cache_write_mtok = price.cacheWrite;
  if (price.reasoning !== undefined) prices.output_reasoning_mtok = price.reasoning;
  return { id: 'pricing.models', name: 'pricing.models', api_pattern: '', models: [{ id: model, match: ANY_NAME, prices }] };
}

/**
 * Our usage in the table's terms: `input_tokens` is the whole prompt, the cache reads and writes
 * parts of it; `output_tokens` the whole answer, reasoning part of it.
 */
export function tableUsage(usage: Usage): TableUsage {
  const cacheRead = usage.cacheReadTokens ?? 0;
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  const prompt = (usage.inputTokens ?? 0) + (usage.inputIncludesCache === false ? cacheRead + cacheWrite : 0);
  const counts: TableUsage = { input_tokens: prompt, output_tokens: usage.outputTokens ?? 0 };
  if (cacheRead > 0) counts.cache_read_tokens = cacheRead;
  if (cacheWrite > 0) counts.cache_write_tokens = cacheWrite;
  if (usage.cacheWrite1hTokens) counts.cache_write_1h_tokens = usage.cacheWrite1hTokens;
  if (usage.reasoningTokens) counts.output_reasoning_tokens = usage.reasoningTokens;
  return counts;
}

/** To a millionth of a millionth of a dollar: sums of per-token prices carry floating-point dust. */
function roundUsd(usd: number): number {
  return Math.round(usd * 1e12) / 1e12;
}
