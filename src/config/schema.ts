import type { Registry } from 'prom-client';
import { z } from 'zod';
import { policySchema } from '../policy/schema.js';
import { budgetsSchema } from './budget-schema.js';
import { rateLimitsSchema } from './rate-limit-schema.js';
import { pricingSchema } from './pricing-schema.js';
import { MEMORY_DEFAULTS } from '../store/memory-store.js';
import { AUDIT_QUEUE_DEFAULTS } from '../store/audit-log.js';
import type { Store } from '../types.js';

/** Upstream endpoints used when the configuration names none. vLLM and Ollama are self-hosted. */
export const DEFAULT_BASE_URLS = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com',
  vllm: 'http://127.0.0.1:8000/v1',
  ollama: 'http://127.0.0.1:11434',
} as const;

/**
 * Path segments a provider's own API starts with. A profile id equal to one of them would make
 * `/v1/openai/<id>/...` ambiguous, so such ids are refused.
 */
const RESERVED_PROFILE_IDS = new Set(['v1', 'v1beta', 'api', 'chat', 'models', 'responses', 'embeddings', 'completions']);

const httpUrl = z
  .string()
  .refine((value) => /^https?:\/\/[^/?#]+/.test(value) && URL.canParse(value), {
    message: 'expected an http(s) URL such as https://api.openai.com/v1',
  })
  .transform((value) => value.replace(/\/+$/, ''));

export const providerSchema = z.strictObject({
  /** Upstream base URL; the client's native path is appended to it. */
  baseUrl: httpUrl.optional(),
  /** Key used upstream when the client sends none. */
  apiKey: z.string().min(1).optional(),
});

const providersSchema = z.strictObject({
  openai: providerSchema.optional(),
  anthropic: providerSchema.optional(),
  gemini: providerSchema.optional(),
  vllm: providerSchema.optional(),
  ollama: providerSchema.optional(),
});

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

const jwksSchema = z.strictObject({
  /** The identity provider's JWKS URL. */
  url: httpUrl,
  /** Expected `iss`. */
  issuer: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  /** Expected `aud`. */
  audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  /** Accepted signature algorithms; asymmetric only, so a public key can never be used as an HMAC secret. */
  algorithms: z.array(z.enum(ALGORITHMS)).min(1),
  /** Allowed clock skew for `exp`/`nbf`. @default 30 @unit seconds */
  clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
  /** The claim that becomes the interaction's user id. @default 'sub' */
  userClaim: z.string().min(1).default('sub'),
  /** @default 5000 @unit ms */
  timeoutMs: z.number().int().positive().default(5_000),
  /** Least time between two key-set fetches caused by unknown `kid`s. @default 30000 @unit ms */
  cooldownMs: z.number().int().nonnegative().default(30_000),
});

const authSchema = z.strictObject({
  /**
   * Accept the client's own provider key and pass it upstream; a client that sends no key then
   * gets the configured one. Turn off to require virtual keys or JWTs. @default true
   */
  providerKeys: z.boolean().default(true),
  /** Accept virtual keys (`arch_...`) issued by this proxy. @default true */
  virtualKeys: z.boolean().default(true),
  /** Accept JWTs from an external identity provider, verified against its JWKS. */
  jwks: jwksSchema.optional(),
});

export const profileSchema = z.strictObject({
  /** How callers of this profile authenticate; the top-level `auth` when absent. */
  auth: authSchema.optional(),
  /** This profile's security policies; the top-level `policies` when absent. */
  policies: policySchema.optional(),
  /** Per-profile provider keys; the upstream base URLs stay global. */
  providers: z
    .partialRecord(z.enum(['openai', 'anthropic', 'gemini', 'vllm', 'ollama']), z.strictObject({ apiKey: z.string().min(1) }))
    .optional(),
  /**
   * This profile's rate limits and budgets; the top-level `limits.rate` and `limits.budgets`
   * when absent (the other limits are global).
   */
  limits: z.strictObject({ rate: rateLimitsSchema.optional(), budgets: budgetsSchema.optional() }).optional(),
});

export const profileId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'expected 1-64 letters, digits, "_" or "-"')
  .refine((id) => !RESERVED_PROFILE_IDS.has(id) && id !== 'default', {
    message: 'this id is reserved (it is the start of a provider path, or "default")',
  });

/**
 * The bearer token the admin API requires. Printable ASCII without spaces, so that any client can
 * send it in an `Authorization` header, and long enough not to be guessed.
 */
export const adminTokenSchema = z
  .string({ error: 'expected a string' })
  .regex(/^[\x21-\x7e]{16,}$/, 'expected at least 16 printable ASCII characters without spaces (make one with: openssl rand -hex 32)');

export const proxyConfigSchema = z.strictObject({
  providers: providersSchema.default({}),
  /** How callers authenticate (the default profile, and every profile without its own). */
  auth: authSchema.prefault({}),
  /**
   * Security policies (the default profile, and every profile without its own): tool invocation
   * rules, trusted-data rules and taint. On by default: once untrusted content is in the context,
   * a tool call goes out only if its targets come from the user or a trusted source.
   */
  policies: policySchema.prefault({}),
  /**
   * Seals provider secrets at rest (AES-256-GCM): 32 bytes as 64 hex or 44 base64 characters.
   * Defaults to process.env['ARCHESTRA_MASTER_KEY'].
   */
  masterKey: z.string().min(1).optional(),
  /** Named proxy profiles, reached as `/<provider>/<profileId>/...`. */
  profiles: z.record(profileId, profileSchema).default({}),
  /**
   * The store: a SQLite file path, `:memory:` (a bounded window of the newest rows in memory,
   * `audit.memory`), or your own `Store`.
   * @default ':memory:'
   */
  store: z
    .union([z.string().min(1), z.custom<Store>((value) => isStore(value))], { error: 'expected a SQLite file path, ":memory:", or a Store' })
    .default(':memory:'),
  audit: z
    .strictObject({
      /** Keep request and response bodies in the audit trail. @default true */
      bodies: z.boolean().default(true),
      /** Longest body kept per row; longer bodies are cut. @default 262144 @unit bytes */
      maxBodyBytes: z.number().int().positive().default(262_144),
      /** With `durability: 'batched'`, how long rows wait to be written in one batch. @default 20 @unit ms */
      flushIntervalMs: z.number().int().nonnegative().default(20),
      /**
       * When an answer may reach its client. `commit`: once the request's row is committed (a
       * JSON answer, and a stream's last event and its end, wait for it; one commit covers every
       * row that finished meanwhile), so no crash loses the row of an answer a client got.
       * `batched`: rows are written up to `flushIntervalMs` later and nothing waits for them; a
       * crash loses the rows of that last moment. @default 'commit'
       */
      durability: z.enum(['commit', 'batched']).default('commit'),
      /**
       * When the store cannot write (disk full, file locked, I/O error). `refuse` (fail closed):
       * an answer whose row could not be committed is withheld (a 503, or an error event at a
       * stream's end), and new requests get 503 with `Retry-After` until a write succeeds again.
       * `continue`: answers go out; their rows wait in the queue (`maxQueuedRows`,
       * `maxQueuedBytes`) and are written once the store is back. Either way each failed write is
       * counted (`archestra_audit_write_failures_total`) and logged. @default 'refuse'
       */
      onFailure: z.enum(['refuse', 'continue']).default('refuse'),
      /**
       * Most rows waiting to be written (queued, or retried while the store fails). A row that
       * finds no room is lost and counted (`archestra_audit_rows_dropped_total`); with
       * `onFailure: 'refuse'` a full queue refuses new requests first. @default 10000
       */
      maxQueuedRows: z.number().int().positive().default(AUDIT_QUEUE_DEFAULTS.maxQueuedRows),
      /** Most bytes of rows waiting to be written (counted as `audit.memory.maxBytes` counts them). @default 67108864 @unit bytes */
      maxQueuedBytes: z.number().int().positive().default(AUDIT_QUEUE_DEFAULTS.maxQueuedBytes),
      /** The in-memory store (`store: ':memory:'`, the default) keeps the newest rows within both limits. */
      memory: z
        .strictObject({
          /** Most rows kept; the oldest leave first. @default 10000 */
          maxRows: z.number().int().positive().default(MEMORY_DEFAULTS.maxRows),
          /**
           * Most bytes kept: a row counts 512 plus one per character of its texts (bodies, ids,
           * error) and of its decisions and answer context as JSON. @default 33554432 @unit bytes
           */
          maxBytes: z.number().int().positive().default(MEMORY_DEFAULTS.maxBytes),
        })
        .prefault({}),
      /**
       * A file store deletes rows older than `maxAgeDays` and beyond the newest `maxRows`, in the
       * background (small batches on its writer thread) when it opens and every minute. Absent,
       * every row is kept.
       */
      retention: z
        .strictObject({
          /** Rows that arrived longer ago are deleted; fractions allowed. @unit days */
          maxAgeDays: z.number().positive().optional(),
          /** Beyond this many rows, the oldest are deleted. */
          maxRows: z.number().int().positive().optional(),
        })
        .refine((value) => value.maxAgeDays !== undefined || value.maxRows !== undefined, { message: 'set maxAgeDays, maxRows, or both' })
        .optional(),
    })
    .prefault({}),
  /** The admin API (`/admin/api/...`: profiles, keys, interactions, usage, approvals). */
  admin: z
    .strictObject({
      /**
       * Bearer token the admin API requires (`Authorization: Bearer <token>`, compared in
       * constant time). Without one the admin API is off (404). The bundled server also reads
       * `ARCHESTRA_ADMIN_TOKEN`. @default none: off
       */
      token: adminTokenSchema.optional(),
      /**
       * Also let in a JWT from the identity provider of `auth.jwks` (verified as for a proxy
       * request) whose claim `claim` (a dotted path for a nested one, e.g. `realm_access.roles`)
       * is `value`, or is a list holding it. The admin API is on when this or `token` is set.
       * @default none: only the token
       */
      jwtClaim: z.strictObject({ claim: z.string().min(1), value: z.string().min(1) }).optional(),
      /**
       * Where clients reach the proxy, for the connect URLs the admin API shows: a path on the
       * admin request's origin (the bundled server mounts the proxy at `/v1`), or an absolute URL
       * (behind a reverse proxy). @default '/v1'
       */
      proxyUrl: z
        .string()
        .refine((value) => /^\/[^?#]*$/.test(value) || (/^https?:\/\/[^/?#]+/.test(value) && URL.canParse(value)), { message: 'expected a path such as /v1 or an http(s) URL' })
        .transform((value) => value.replace(/\/+$/, ''))
        .default('/v1'),
      /**
       * How long a profile created, changed or deleted by another process sharing the store may
       * take to be served (or no longer served) here; this process's own changes apply at once.
       * @default 1000 @unit ms
       */
      profileRefreshMs: z.number().int().nonnegative().default(1_000),
    })
    .prefault({}),
  limits: z
    .strictObject({
      /** Largest request body accepted; larger gets 413. @default 10485760 @unit bytes */
      maxRequestBodyBytes: z.number().int().positive().default(10 * 1024 * 1024),
      /**
       * Most bytes of a streamed answer held back while its tool calls await their decision
       * (counted as the held events would be sent). Beyond it the stream ends with an error event
       * in the provider's dialect and none of what was held goes out. @default 8388608 @unit bytes
       */
      maxHeldStreamBytes: z.number().int().positive().default(8 * 1024 * 1024),
      /**
       * Largest answer the proxy reads whole (a JSON answer, an upstream error body); a larger one
       * is refused with a 502 and the upstream connection closed. @default 33554432 @unit bytes
       */
      maxResponseBodyBytes: z.number().int().positive().default(32 * 1024 * 1024),
      /**
       * Most requests served at once (a stream counts until it ends); one more is answered at once
       * with 503 and `Retry-After`, in its provider's error shape, and recorded. @default 2048
       */
      maxInFlight: z.number().int().positive().default(2048),
      /**
       * Rate limits of the default profile and of every profile without its own: requests per
       * minute, tokens per minute and requests at once, per profile, virtual key, agent, user,
       * session or execution, optionally per model glob. Counted in the store (shared by the
       * processes on one SQLite file). @default []
       */
      rate: rateLimitsSchema.default([]),
      /**
       * Budgets of the default profile and of every profile without its own: US dollars and/or
       * tokens per rolling (1h, 24h, 7d, 30d) or calendar (day, week, month, in a time zone)
       * window, per profile, virtual key, agent, user, session or execution, optionally per model
       * glob. Each request's worst case is reserved before it goes upstream, so concurrent
       * requests cannot overshoot; one that does not fit gets 402. Counted in the store. @default []
       */
      budgets: budgetsSchema.default([]),
    })
    .prefault({}),
  upstream: z
    .strictObject({
      /** @default 10000 @unit ms */
      connectTimeoutMs: z.number().int().positive().default(10_000),
      /** Time to wait for the upstream's response headers. @default 300000 @unit ms */
      headersTimeoutMs: z.number().int().positive().default(300_000),
      /** Longest silence between two body chunks. @default 300000 @unit ms */
      bodyTimeoutMs: z.number().int().positive().default(300_000),
      /**
       * Most connections per upstream origin; every concurrent request (a long stream included)
       * holds one, and requests beyond it wait. @default 1024
       */
      connections: z.number().int().positive().default(1024),
      /**
       * Tries again, before any byte of the answer reached the client, when the upstream could not
       * be reached (refused, reset, DNS, connect timeout) or answered 429, 500, 502, 503 or 529:
       * after a jittered exponential backoff, or the upstream's `Retry-After`/`retry-after-ms`
       * when it is within `maxRetryAfterMs` (a longer one, and a 429 still failing at the end, goes
       * to the client with its Retry-After). Other failures end in a clean 502/503/504 in the
       * provider's shape. The official SDKs retry twice themselves: with both defaults, one call
       * can reach the upstream up to 3 x 3 = 9 times.
       */
      retries: z
        .strictObject({
          /** Retries after the first try; 0 turns retrying off (upstream errors pass as they came). @default 2 */
          attempts: z.number().int().min(0).max(10).default(2),
          /** Wait before the first retry, doubled for each next one, less up to 25% at random. @default 500 @unit ms */
          baseDelayMs: z.number().int().nonnegative().default(500),
          /** Longest backoff between two tries. @default 8000 @unit ms */
          maxDelayMs: z.number().int().nonnegative().default(8_000),
          /** Longest `Retry-After` the proxy waits out itself. @default 20000 @unit ms */
          maxRetryAfterMs: z.number().int().nonnegative().default(20_000),
          /** No retry starts later than this after the first try began. @default 60000 @unit ms */
          deadlineMs: z.number().int().positive().default(60_000),
        })
        .refine((value) => value.maxDelayMs >= value.baseDelayMs, { message: 'maxDelayMs must not be below baseDelayMs', path: ['maxDelayMs'] })
        .prefault({}),
    })
    .prefault({}),
  /** What each model costs: overrides of the bundled price table (`pricing.models`). */
  pricing: pricingSchema.prefault({}),
  metrics: z
    .strictObject({
      /** The prom-client registry to register on; a new one per proxy by default. */
      registry: z.custom<Registry>((value) => typeof value === 'object' && value !== null && 'registerMetric' in value, 'expected a prom-client Registry').optional(),
      /**
       * Most distinct values one label keeps per metric (agent ids, models, ...); later new values
       * are counted under `__overflow__` and in `archestra_metric_label_overflows_total`.
       * @default 1000
       */
      maxLabelValues: z.number().int().positive().default(1_000),
    })
    .prefault({}),
});

function isStore(value: unknown): value is Store {
  return typeof value === 'object' && value !== null && 'saveInteractions' in value && 'listInteractions' in value;
}

/** What you write: every field optional. */
export type ProxyConfig = z.input<typeof proxyConfigSchema>;
/** What the proxy runs with: defaults filled in. */
export type ResolvedConfig = z.output<typeof proxyConfigSchema>;
export type AuthConfig = z.output<typeof authSchema>;
