import { z } from 'zod';

/** Where a rate limit's counter comes from: the profile, the virtual key, or an `X-Archestra-*` id. */
export const RATE_LIMIT_SCOPES = ['profile', 'virtual_key', 'agent', 'user', 'session', 'execution'] as const;

const perMinute = z.number().int().positive().max(1_000_000_000);

/**
 * One rate limit: a counter per scope value (each agent id, each virtual key, ...), limiting
 * requests per minute, tokens per minute and/or requests at once. A request beyond it gets 429
 * with `Retry-After`, in its provider's error shape.
 */
export const rateLimitSchema = z
  .strictObject({
    /**
     * Names the limit in the 429 message, the audit row and the `limit` label of
     * `llm_rate_limited_total`. @default the scope, or `<scope>:<model>` with a model
     */
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:*-]{0,99}$/, 'expected 1-100 letters, digits or "_.:*-"').optional(),
    /**
     * Whose requests share a counter: the whole `profile`, each `virtual_key`, or each agent, user,
     * session or execution id (`X-Archestra-Agent-Id`, ...; a user id a JWT proves wins over the
     * header). A request without that id (no virtual key, no such header) is not limited by this
     * entry: header ids are the client's own word, so to bound a caller, limit its key or profile.
     */
    scope: z.enum(RATE_LIMIT_SCOPES),
    /** Only requests for a model matching this glob (`*` any run of characters) count and are limited. @default every model */
    model: z.string().min(1).max(200).optional(),
    /**
     * Requests per minute, as a token bucket (how Anthropic and OpenAI enforce theirs): a burst of
     * this many, then one more every 60/N seconds.
     */
    requestsPerMinute: perMinute.optional(),
    /**
     * Input plus output tokens per minute, the same kind of bucket: a request is let in while one
     * token is left; its tokens are taken once its answer ends (a stream's last usage event), so a
     * request may take the bucket below empty and the next ones wait until it has refilled.
     */
    tokensPerMinute: perMinute.optional(),
    /** Requests at once, from admission to the end of the answer (a stream until it ends or its client goes away). */
    concurrent: z.number().int().positive().max(1_000_000).optional(),
    /**
     * When the counters cannot be read or written (the store fails): `refuse` answers 503 with
     * `Retry-After` (fail closed); `allow` lets the request through unlimited. @default 'refuse'
     */
    onStoreError: z.enum(['refuse', 'allow']).default('refuse'),
  })
  .refine((entry) => entry.requestsPerMinute !== undefined || entry.tokensPerMinute !== undefined || entry.concurrent !== undefined, {
    message: 'set requestsPerMinute, tokensPerMinute, concurrent, or several',
  })
  .transform((entry) => ({ ...entry, id: entry.id ?? (entry.model === undefined ? entry.scope : `${entry.scope}:${entry.model}`) }));

/** A profile's rate limits: every one that applies to a request must have room for it. */
export const rateLimitsSchema = z
  .array(rateLimitSchema)
  .max(100)
  .superRefine((entries, context) => {
    const seen = new Set<string>();
    for (const [index, entry] of entries.entries()) {
      if (seen.has(entry.id)) context.addIssue({ code: 'custom', path: [index, 'id'], message: `another limit has the id "${entry.id}": give each its own id` });
      seen.add(entry.id);
    }
  });

export type RateLimitConfig = z.output<typeof rateLimitSchema>;
