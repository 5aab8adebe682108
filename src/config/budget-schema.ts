import { z } from 'zod';
import { RATE_LIMIT_SCOPES } from './rate-limit-schema.js';

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const windowSchema = z.union([
  z.strictObject({
    /** The spend of the last `1h`, `24h`, `7d` or `30d`, counted in slots of 1/60 of the window. */
    rolling: z.enum(['1h', '24h', '7d', '30d']),
  }),
  z.strictObject({
    /** The spend since the start of this `day`, `week` (from Monday) or `month`, in `timeZone`. */
    calendar: z.enum(['day', 'week', 'month']),
    /** The IANA time zone the calendar's days start in (`Europe/Berlin`). @default 'UTC' */
    timeZone: z.string().refine(isTimeZone, 'expected an IANA time zone such as "UTC" or "Europe/Berlin"').default('UTC'),
  }),
]);

/**
 * One budget: a counter per scope value (each agent id, each virtual key, ...), in US dollars
 * and/or tokens over a window. A request is let through only when its worst case (its prompt and
 * its `max_tokens`) fits what is left; that much is reserved until its answer ends, then the real
 * spend is kept and the rest given back. A request that does not fit gets 402, not retryable.
 */
export const budgetSchema = z
  .strictObject({
    /** Names the budget in the 402 message and the audit row. @default `<scope>:<window>`, with `:<model>` for a model glob */
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:*-]{0,99}$/, 'expected 1-100 letters, digits or "_.:*-"').optional(),
    /** Whose requests share the budget; as `limits.rate[].scope` (a request without that id is not counted). */
    scope: z.enum(RATE_LIMIT_SCOPES),
    /** Only requests for a model matching this glob (`*` any run of characters) count. @default every model */
    model: z.string().min(1).max(200).optional(),
    /** US dollars per window, priced from the usage each answer reports (`pricing`). */
    usd: z.number().positive().max(1e9).optional(),
    /** Tokens per window: prompt plus answer tokens as the provider reports them. */
    tokens: z.number().int().positive().max(1e15).optional(),
    window: windowSchema,
    /**
     * The answer tokens reserved for a request that sets no `max_tokens` (`max_output_tokens`,
     * `maxOutputTokens`, `num_predict`). @default 4096
     */
    maxTokensWhenUnset: z.number().int().positive().max(10_000_000).default(4096),
    /**
     * When the counters cannot be read or written: `refuse` answers 503 (fail closed); `allow`
     * lets the request through uncounted. @default 'refuse'
     */
    onStoreError: z.enum(['refuse', 'allow']).default('refuse'),
    /**
     * A dollar budget's request for a model whose price is not known (`pricing`): `refuse`
     * answers 402 (fail closed); `allow` lets it through, counting its tokens only. @default 'refuse'
     */
    onUnknownPrice: z.enum(['refuse', 'allow']).default('refuse'),
  })
  .refine((entry) => entry.usd !== undefined || entry.tokens !== undefined, { message: 'set usd, tokens, or both' })
  .transform((entry) => {
    const window = 'rolling' in entry.window ? entry.window.rolling : entry.window.calendar;
    return { ...entry, id: entry.id ?? [entry.scope, window, ...(entry.model === undefined ? [] : [entry.model])].join(':') };
  });

/** A profile's budgets: a request must fit every one that applies to it. */
export const budgetsSchema = z
  .array(budgetSchema)
  .max(100)
  .superRefine((entries, context) => {
    const seen = new Set<string>();
    for (const [index, entry] of entries.entries()) {
      if (seen.has(entry.id)) context.addIssue({ code: 'custom', path: [index, 'id'], message: `another budget has the id "${entry.id}": give each its own id` });
      seen.add(entry.id);
    }
  });

export type BudgetConfig = z.output<typeof budgetSchema>;
