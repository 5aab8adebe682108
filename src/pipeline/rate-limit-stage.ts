import { randomUUID } from 'node:crypto';
import { createCounterLeases, HOLD_LEASE_MS } from './counter-leases.js';
import { type AppliedRateLimit, type RateLimitRule, applicableRateLimits, rateLimitMessage } from '../policy/rate-limits.js';
import type { ProviderAdapter } from '../providers/types.js';
import { createMemoryRateCounters } from '../store/memory-rate-counters.js';
import type { RateBucket, RateCounters, RateHold, Store } from '../types.js';
import { finishWith } from './finish.js';
import type { Recorder } from './record.js';

const MINUTE_MS = 60_000;
/** A concurrency hold lapses this long after its process last renewed it (a crashed process gives its holds back). */
/** Live holds are renewed this often, well within their lease. */
/** A full concurrency cap frees when some request ends: no way to know when; the client retries this soon. */
const CONCURRENT_RETRY_SECONDS = 1;
const STORE_FAILED = 'The rate-limit counters could not be read, so the request was refused; retry shortly.';

export interface RateLimiter {
  /**
   * Checks the request against its profile's rate limits and takes its place in each (a request,
   * a concurrency hold, given back when the request ends; its tokens are counted then). Resolves
   * with the refusal to send (429, or 503 when the counters failed), or null to go on.
   */
  admit(recorder: Recorder, adapter: ProviderAdapter, rules: readonly RateLimitRule[]): Promise<Response | null>;
  /** Stops renewing holds (the proxy is closing). */
  close(): void;
}

/**
 * The rate-limit stage: after auth and decoding (scope values and the model are known), before any
 * policy work or forwarding. Counters live in the store (`rateCounters`), else in this process.
 * `now` is the clock of the windows (ms since the epoch).
 */
export function createRateLimiter(store: Store, now: () => number = Date.now): RateLimiter {
  const counters: RateCounters = store.rateCounters ?? createMemoryRateCounters();
  const leases = createCounterLeases('rate-limit', (owner, until, at) => counters.renew(owner, until, at), now);
  const { owner } = leases;
  const logStoreError = leases.logError;

  /** When the request ends: its holds are given back, its tokens counted. Never fails the request. */
  function atFinish(recorder: Recorder, applied: readonly AppliedRateLimit[], holdId: string | null): void {
    const previous = recorder.onFinish;
    recorder.onFinish = () => {
      previous?.();
      if (holdId !== null) {
        leases.given();
        Promise.resolve()
          .then(() => counters.release(holdId))
          .catch((error: unknown) => logStoreError('release', error));
      }
      const tokens = (recorder.usage.inputTokens ?? 0) + (recorder.usage.outputTokens ?? 0);
      const spent = applied.filter((limit) => limit.kind === 'tokens_per_minute').map((limit) => ({ ...bucket(limit), cost: tokens }));
      if (tokens > 0 && spent.length > 0) {
        Promise.resolve()
          .then(() => counters.spend(spent, now()))
          .catch((error: unknown) => logStoreError('spend', error));
      }
    };
  }

  return {
    async admit(recorder, adapter, rules) {
      if (rules.length === 0) return null;
      const applied = applicableRateLimits(rules, { profileId: recorder.proxyId, virtualKeyId: recorder.virtualKeyId, context: recorder.context, model: recorder.model });
      if (applied.length === 0) return null;
      // The proxy's own model calls (the dual-LLM quarantine) run inside a client's admitted
      // request: never refused (nor held, which could starve their parent), but their tokens count.
      if (recorder.decisions.some((decision) => decision.kind === 'dual_llm_call')) {
        atFinish(recorder, applied, null);
        return null;
      }
      const buckets = applied.filter((limit) => limit.kind !== 'concurrent');
      const holds = applied.filter((limit) => limit.kind === 'concurrent');
      const holdId = randomUUID();
      const at = now();
      let verdict;
      try {
        verdict = await counters.admit({
          now: at,
          buckets: buckets.map(bucket),
          holds: holds.map((limit): RateHold => ({ key: limit.key, max: limit.amount })),
          holdId,
          owner,
          holdUntil: at + HOLD_LEASE_MS,
        });
      } catch (error) {
        logStoreError('admit', error);
        const refusing = applied.find((limit) => limit.rule.onStoreError === 'refuse');
        if (!refusing) return null;
        recorder.decisions.push({ kind: 'rate_limit', ruleId: refusing.rule.id, limit: refusing.kind, scope: refusing.rule.scope, outcome: 'store_error', retryAfterSeconds: 1 });
        return finishWith(recorder, adapter.errorResponse(503, STORE_FAILED, 'overloaded_error', { 'retry-after': '1' }), 'rejected', STORE_FAILED);
      }
      if (!verdict.admitted) {
        const limit = (verdict.kind === 'bucket' ? buckets : holds)[verdict.index]!;
        const retryAfterSeconds = verdict.kind === 'hold' ? CONCURRENT_RETRY_SECONDS : Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
        const message = rateLimitMessage(limit, retryAfterSeconds);
        recorder.decisions.push({ kind: 'rate_limit', ruleId: limit.rule.id, limit: limit.kind, scope: limit.rule.scope, outcome: 'limited', retryAfterSeconds });
        return finishWith(recorder, adapter.errorResponse(429, message, 'rate_limit_error', { 'retry-after': String(retryAfterSeconds) }), 'rate_limited', message);
      }
      if (holds.length > 0) leases.taken();
      atFinish(recorder, applied, holds.length > 0 ? holdId : null);
      return null;
    },
    close() {
      leases.close();
    },
  };
}

function bucket(limit: AppliedRateLimit): RateBucket {
  return { key: limit.key, limit: limit.amount, windowMs: MINUTE_MS, cost: limit.kind === 'requests_per_minute' ? 1 : 0 };
}
