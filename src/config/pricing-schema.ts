import { z } from 'zod';

/** US dollars per million tokens. */
const perMillion = z.number({ error: 'expected US dollars per million tokens, a number' }).nonnegative().finite();

/**
 * One model's prices in US dollars per million tokens. A kind left out costs what it is part of:
 * cache reads and writes the input price, reasoning the output price.
 */
export const modelPriceSchema = z.strictObject({
  /** Prompt tokens. */
  input: perMillion,
  /** Answer tokens, reasoning included unless `reasoning` prices it apart. */
  output: perMillion,
  /** Prompt tokens read from the provider's prompt cache. @default input */
  cachedInput: perMillion.optional(),
  /** Prompt tokens written to the provider's prompt cache (Anthropic). @default input */
  cacheWrite: perMillion.optional(),
  /** Reasoning ("thinking") tokens, where the provider reports them apart. @default output */
  reasoning: perMillion.optional(),
});

/**
 * A key of `pricing.models`: a model name or glob (`*` is any run of characters), optionally
 * after a provider (`ollama:*`, `openai:gpt-4o*`). Ollama's tags hold a colon too
 * (`llama3.2:3b`): only a served provider's name before the first colon (a built-in, or an
 * OpenAI-compatible API in `providers`: `groq:*`) makes it a provider.
 */
const modelKey = z.string().refine((key) => !/^(openai|anthropic|gemini|vllm|ollama):$/.test(key) && key.trim() !== '', {
  message: 'expected a model name or glob, optionally after a provider: "gpt-4o", "claude-*", "ollama:*"',
});

export const pricingSchema = z.strictObject({
  /**
   * Prices that win over the bundled price table (`@pydantic/genai-prices`): negotiated prices,
   * local models at 0, models the table lacks. Exact names are tried first (`provider:model`,
   * then a bare `model`), then globs (the provider's, then bare ones) in the order written;
   * names match without regard to case. vLLM and Ollama models are
   * priced only from here (they run on your own hardware); any other model the table lacks has
   * an unknown cost (null, never 0), counted by `llm_cost_unknown_total`.
   * @default {}
   */
  models: z.record(modelKey, modelPriceSchema).default({}),
});

export type ModelPrice = z.output<typeof modelPriceSchema>;
export type PricingConfig = z.output<typeof pricingSchema>;
