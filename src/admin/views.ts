/**
 * What the admin API answers, as zod schemas: the TypeScript types of the answers are inferred
 * from them and the OpenAPI document shows them, so the two cannot drift apart.
 */
import { z } from 'zod';
import { PROVIDER_NAMES, USAGE_DIMENSIONS } from '../types.js';
import { OUTCOMES } from './schemas.js';

const provider = z.enum(PROVIDER_NAMES as readonly ['openai', ...string[]]);

export const interactionSummary = z.object({
  id: z.string(),
  /** When the request arrived (ISO-8601). */
  startedAt: z.string(),
  durationMs: z.number(),
  provider: provider.nullable(),
  /** The model used (a model rule may have chosen it). */
  model: z.string().nullable(),
  /** The model the client asked for, where recorded (differs from `model` when a model rule rewrote it). */
  requestedModel: z.string().nullable(),
  operation: z.string().nullable(),
  proxyId: z.string(),
  agentId: z.string().nullable(),
  userId: z.string().nullable(),
  sessionId: z.string().nullable(),
  executionId: z.string().nullable(),
  outcome: z.enum(OUTCOMES),
  /** The HTTP status the client got (0 while `started`). */
  status: z.number().int(),
  stream: z.boolean(),
  /** The proxy refused the request, or blocked (or held for approval) something in it or its answer. */
  refused: z.boolean(),
  /** Why: the first refusing decision's tool, reason and rule, else the row's error. */
  refusalReason: z.string().nullable(),
  inputTokens: z.number().nullable(),
  outputTokens: z.number().nullable(),
  /** US dollars; null when unknown (no usage, or no price). */
  costUsd: z.number().nullable(),
});

export const interactionPage = z.object({
  interactions: z.array(interactionSummary),
  /** Pass as `cursor` for the next (older) page; null on the last one, and when polling with `after`. */
  nextCursor: z.string().nullable(),
});

export const profileView = z.object({
  id: z.string(),
  source: z.enum(['config', 'store']),
  readOnly: z.boolean(),
  description: z.string().optional(),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
  /** The base URL to give each provider's SDK. */
  connect: z.partialRecord(provider, z.string()),
  /** Its settings: as stored, or the configuration's (defaults filled in, provider keys left out). */
  config: z.record(z.string(), z.unknown()),
});

export const keyView = z.object({
  id: z.string(),
  name: z.string(),
  /** The key's first characters, to recognise it. */
  keyPrefix: z.string(),
  providers: z.array(provider).nullable(),
  proxyIds: z.array(z.string()).nullable(),
  /** The one profile the key may use, when it is limited to one. */
  proxyId: z.string().optional(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  budgets: z.array(z.object({ usd: z.number().optional(), tokens: z.number().optional(), window: z.string() })).nullable().optional(),
  /** Its budgets as `keys create --budget` writes them (`50usd/month`). */
  budget: z.array(z.string()).optional(),
  hasSecrets: z.boolean(),
});

export const usageRow = z.object({
  /** The group's value (a day, agent, model, key id...); null when the rows carried none. */
  key: z.string().nullable(),
  requests: z.number().int(),
  /** Requests the proxy refused (policy, rate limit, budget). */
  refusals: z.number().int(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheReadTokens: z.number(),
  reasoningTokens: z.number(),
  /** Known spend in US dollars. */
  costUsd: z.number(),
  /** Requests with usage but no known price: counted apart, never as 0. */
  unpriced: z.number().int(),
});

export const usageAnswer = z.object({ by: z.enum(USAGE_DIMENSIONS), rows: z.array(usageRow) });

export type InteractionSummary = z.infer<typeof interactionSummary>;
export type ProfileView = z.infer<typeof profileView>;
