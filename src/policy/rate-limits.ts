import type { RequestContext } from '../types.js';
import { globMatches } from './match.js';

/** What a rate limit says, as the policy reads it (the config's `limits.rate` entries). */
export interface RateLimitRule {
  id: string;
  scope: 'profile' | 'virtual_key' | 'agent' | 'user' | 'session' | 'execution';
  model?: string | undefined;
  requestsPerMinute?: number | undefined;
  tokensPerMinute?: number | undefined;
  concurrent?: number | undefined;
  onStoreError: 'refuse' | 'allow';
}

export type RateLimitKind = 'requests_per_minute' | 'tokens_per_minute' | 'concurrent';

/** One counter a request is checked against: which rule, which of its limits, whose counter. */
export interface AppliedRateLimit {
  rule: RateLimitRule;
  kind: RateLimitKind;
  amount: number;
  /** The counter's key in the store: profile, rule, kind and scope value. */
  key: string;
}

export interface RateSubject {
  profileId: string;
  virtualKeyId: string | null;
  context: RequestContext;
  model: string | null;
}

/**
 * The counters a request counts against: every rule whose model glob matches and whose scope
 * value the request carries (a request without it is not limited by that rule).
 */
export function applicableRateLimits(rules: readonly RateLimitRule[], subject: RateSubject): AppliedRateLimit[] {
  const applied: AppliedRateLimit[] = [];
  for (const rule of rules) {
    if (rule.model !== undefined && (subject.model === null || !globMatches(rule.model, subject.model))) continue;
    const value = scopeValue(rule.scope, subject);
    if (value === undefined || value === null || value === '') continue;
    const key = (kind: string) => `${subject.profileId}\u0000${rule.id}\u0000${kind}\u0000${value}`;
    if (rule.requestsPerMinute !== undefined) applied.push({ rule, kind: 'requests_per_minute', amount: rule.requestsPerMinute, key: key('rpm') });
    if (rule.tokensPerMinute !== undefined) applied.push({ rule, kind: 'tokens_per_minute', amount: rule.tokensPerMinute, key: key('tpm') });
    if (rule.concurrent !== undefined) applied.push({ rule, kind: 'concurrent', amount: rule.concurrent, key: key('concurrent') });
  }
  return applied;
}

function scopeValue(scope: RateLimitRule['scope'], subject: RateSubject): string | null | undefined {
  switch (scope) {
    case 'profile':
      return subject.profileId;
    case 'virtual_key':
      return subject.virtualKeyId;
    case 'agent':
      return subject.context.agentId;
    case 'user':
      return subject.context.userId;
    case 'session':
      return subject.context.sessionId;
    case 'execution':
      return subject.context.executionId;
  }
}

const UNITS: Record<RateLimitKind, string> = {
  requests_per_minute: 'requests per minute',
  tokens_per_minute: 'tokens per minute',
  concurrent: 'requests at once',
};

/** The 429's message: which limit, what it allows, and when to try again. */
export function rateLimitMessage(limit: AppliedRateLimit, retryAfterSeconds: number): string {
  const per = limit.rule.scope === 'profile' ? 'for this proxy profile' : `per ${limit.rule.scope.replace('_', ' ')}`;
  const model = limit.rule.model === undefined ? '' : ` for models matching "${limit.rule.model}"`;
  return `Rate limit "${limit.rule.id}" reached: ${limit.amount} ${UNITS[limit.kind]} ${per}${model}. Retry after ${retryAfterSeconds} s.`;
}
