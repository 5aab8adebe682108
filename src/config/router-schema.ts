import { z } from 'zod';

/** Most deployments one alias may list: each failing one costs a round trip before the next. */
export const MAX_DEPLOYMENTS = 8;

const deployment = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*:\S.*$/, 'expected "<provider>:<model>", such as "anthropic:claude-sonnet-4-6"').max(512);

/**
 * Model aliases of the model router (`/v1/router`): a name clients send as `model`, and the
 * deployment it means, or an ordered list of them: the first is tried first, and the next one
 * only when it could not be reached or answered 429 or 5xx before any of its answer reached the
 * client (fallbacks).
 * @example { fast: 'groq:llama-3.3-70b', smart: ['openai:gpt-4o', 'anthropic:claude-sonnet-4-6'] }
 * @default {}
 */
export const modelAliasesSchema = z.record(
  z.string().min(1).max(256),
  z.union([deployment, z.array(deployment).min(1).max(MAX_DEPLOYMENTS)], { error: `expected "<provider>:<model>" or a list of 1 to ${MAX_DEPLOYMENTS} of them` }),
);
