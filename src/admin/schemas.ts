/**
 * The zod schemas of the admin API's queries and bodies: the routes validate with them and the
 * OpenAPI document (openapi.ts) is generated from them, so the two cannot drift apart.
 */
import { z } from 'zod';
import { profileId, profileSchema } from '../config/schema.js';
import { PROVIDER_NAMES, USAGE_DIMENSIONS } from '../types.js';

export const OUTCOMES = ['ok', 'upstream_error', 'upstream_unreachable', 'client_aborted', 'rejected', 'rate_limited', 'over_budget', 'started'] as const;

/** An ISO-8601 time or a UTC date, as the stores compare it: `2026-12-06T07:00:00.000Z`. */
const time = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'expected an ISO-8601 time such as 2026-12-06T07:00:00Z, or a date such as 2026-12-06' })
  .transform((value) => new Date(value).toISOString());

const text = z.string().min(1).max(500);

export const interactionsQuery = z.strictObject({
  agentId: text.optional(),
  userId: text.optional(),
  sessionId: text.optional(),
  executionId: text.optional(),
  proxyId: text.optional(),
  provider: z.enum(PROVIDER_NAMES as readonly ['openai', ...string[]]).optional(),
  model: text.optional(),
  outcome: z.enum(OUTCOMES).optional(),
  /** `true`: only refused requests, and those with a call or content blocked or held for approval. */
  refused: z.enum(['true', 'false']).transform((value) => value === 'true').optional(),
  /** Rows that arrived at or after it. */
  from: time.optional(),
  /** Rows that arrived before it. */
  to: time.optional(),
  /** @default 50 */
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** The `nextCursor` of the previous page: the rows after it (older). */
  cursor: text.optional(),
  /** An interaction id (or cursor): the rows that arrived after it (newer), for live polling. */
  after: text.optional(),
}).refine((query) => query.cursor === undefined || query.after === undefined, { message: 'give cursor (older rows) or after (newer rows), not both', path: ['after'] });

export const usageQuery = z.strictObject({
  from: time.optional(),
  to: time.optional(),
  /** What a row groups by. @default 'day' */
  by: z.enum(USAGE_DIMENSIONS).default('day'),
});

/** A profile as the API takes it: the configuration's profile fields, except provider keys (those stay in the configuration). */
export const profileSettings = profileSchema.omit({ providers: true });

export const createProfileBody = profileSettings.extend({
  id: profileId,
  description: z.string().max(500).optional(),
});

/** A whole profile, replacing the stored one; `id`, when given, must be the path's. */
export const updateProfileBody = profileSettings.extend({
  id: profileId.optional(),
  description: z.string().max(500).optional(),
});

export const createKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  /** The one proxy profile the key may use. @default any */
  proxyId: z.string().min(1).max(64).optional(),
  /** The proxy profiles the key may use. @default any */
  proxyIds: z.array(z.string().min(1).max(64)).min(1).max(100).optional(),
  /** The providers the key may call. @default any */
  providers: z.array(z.enum(PROVIDER_NAMES as readonly ['openai', ...string[]])).min(1).optional(),
  /** When the key stops working. */
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  /** Its own budgets, as `keys create --budget` takes them: `50usd/month`, `100000tokens/24h`. */
  budget: z.union([z.string(), z.array(z.string()).min(1).max(10)]).optional(),
}).refine((body) => body.proxyId === undefined || body.proxyIds === undefined, { message: 'give proxyId or proxyIds, not both', path: ['proxyIds'] });

export type InteractionsQuery = z.output<typeof interactionsQuery>;
