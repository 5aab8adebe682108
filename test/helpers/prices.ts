/**
 * Expected costs, derived from the bundled price table's own data (`@pydantic/genai-prices`) with
 * plain arithmetic, so a test states which tokens are priced at which rate rather than a number.
 */
import { calcPrice } from '@pydantic/genai-prices';

/** A model's rates in the table, US dollars per million tokens. */
export interface TableRates {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  cacheWrite1h: number;
}

/** The table's rates for `model`; fails unless every one of them is a flat number. */
export function tableRates(providerId: string, model: string): TableRates {
  const found = calcPrice({}, model, { providerId });
  if (!found) throw new Error(`the price table has no ${providerId} model ${model}`);
  const rate = (key: string): number => {
    const value = found.model_price[key];
    if (typeof value !== 'number') throw new Error(`${providerId} ${model}: ${key} is ${JSON.stringify(value)}, not a flat price`);
    return value;
  };
  const has = (key: string) => found.model_price[key] !== undefined;
  return {
    input: rate('input_mtok'),
    output: rate('output_mtok'),
    cacheRead: has('cache_read_mtok') ? rate('cache_read_mtok') : NaN,
    cacheWrite: has('cache_write_mtok') ? rate('cache_write_mtok') : NaN,
    cacheWrite1h: has('cache_write_1h_mtok') ? rate('cache_write_1h_mtok') : NaN,
  };
}

/** US dollars for token counts at per-million rates: `usd([tokens, rate], ...)`. */
export function usd(...parts: [tokens: number, perMillion: number][]): number {
  return parts.reduce((sum, [tokens, rate]) => sum + (tokens * rate) / 1e6, 0);
}
