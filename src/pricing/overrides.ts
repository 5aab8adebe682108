import type { ModelPrice } from '../config/pricing-schema.js';
import { globMatches } from '../policy/match.js';
import { PROVIDER_NAMES, type ProviderName } from '../types.js';

interface Override {
  provider: ProviderName | null;
  /** Lower-cased: model names are matched without regard to case, as the price table does. */
  model: string;
  glob: boolean;
  price: ModelPrice;
}

/**
 * The configured prices (`pricing.models`) as a lookup. Exact names first (`provider:model`, then
 * a bare `model`), then globs (the provider's, then bare ones), each in the order written.
 */
export function compileOverrides(models: Readonly<Record<string, ModelPrice>>, providerNames: Iterable<string> = PROVIDER_NAMES): (provider: ProviderName, model: string) => ModelPrice | undefined {
  const names = new Set(providerNames);
  const overrides = Object.entries(models).map(([key, price]) => parseKey(key, price, names));
  const exact = new Map<string, ModelPrice>();
  for (const override of overrides) {
    const key = `${override.provider ?? ''}:${override.model}`;
    // Keys differing only in case: the first written wins, as among globs.
    if (!override.glob && !exact.has(key)) exact.set(key, override.price);
  }
  const qualified = overrides.filter((override) => override.glob && override.provider !== null);
  const bare = overrides.filter((override) => override.glob && override.provider === null);
  return (provider, model) => {
    const name = model.toLowerCase();
    return (
      exact.get(`${provider}:${name}`) ??
      exact.get(`:${name}`) ??
      qualified.find((override) => override.provider === provider && globMatches(override.model, name))?.price ??
      bare.find((override) => globMatches(override.model, name))?.price
    );
  };
}

function parseKey(key: string, price: ModelPrice, providerNames: ReadonlySet<string>): Override {
  const colon = key.indexOf(':');
  const prefix = colon > 0 ? key.slice(0, colon) : '';
  const provider = providerNames.has(prefix) ? prefix : null;
  const model = (provider ? key.slice(colon + 1) : key).toLowerCase();
  return { provider, model, glob: model.includes('*'), price };
}
