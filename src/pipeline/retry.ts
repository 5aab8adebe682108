import { setTimeout as sleep } from 'node:timers/promises';
import type { ForwardOptions, ForwardResult, UpstreamClient } from './forward.js';
import { retryAfterMs } from './retry-after.js';

/** `upstream.retries`: how often, and how long, a failed upstream request is tried again. */
export interface RetryPolicy {
  /** Retries after the first try; 0 turns retrying off. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest `Retry-After` the proxy waits out itself; a longer one goes to the client. */
  maxRetryAfterMs: number;
  /** No retry starts later than this after the first try began. */
  deadlineMs: number;
}

/** Statuses that mean "not now" (rate limit, overload, a failing upstream), never "not this request". */
const RETRY_STATUSES = new Set([429, 500, 502, 503, 529]);

/**
 * Connection failures where the upstream never answered: refused, reset, no such host, no
 * connection in time. A headers timeout is not among them: the model may be working on it.
 */
const RETRY_CODES: ReadonlyMap<string, string> = new Map([
  ['ECONNREFUSED', 'connection_refused'],
  ['ECONNRESET', 'connection_reset'],
  ['EPIPE', 'connection_reset'],
  ['UND_ERR_SOCKET', 'connection_reset'],
  ['ENOTFOUND', 'dns_failure'],
  ['EAI_AGAIN', 'dns_failure'],
  ['UND_ERR_CONNECT_TIMEOUT', 'connect_timeout'],
]);

export interface RetriedForward {
  result: ForwardResult;
  /** Upstream requests made (1 without retries). */
  attempts: number;
}

/**
 * Forwards, and tries again while the upstream has not answered or answered with a status that
 * means "later" (429, 500, 502, 503, 529): after a jittered exponential backoff, or the upstream's
 * own `Retry-After` when it is within `maxRetryAfterMs`, at most `attempts` times and never past
 * `deadlineMs`. Retrying happens before anything of the answer reached the client (the answer's
 * status decides), so a client never sees two answers; the request body is replayed as it was.
 *
 * When it gives up: a 429, or an answer whose `Retry-After` is longer than the proxy waits, goes
 * to the client as the upstream sent it (its SDK can wait); any other status becomes a clean
 * 502 (500, 502) or 503 (503, 529; with the upstream's Retry-After) naming the status and the
 * attempts, so no upstream internals reach the client. With `attempts: 0` nothing changes.
 */
export async function forwardWithRetries(upstream: UpstreamClient, options: ForwardOptions, policy: RetryPolicy, onRetry: (reason: string) => void): Promise<RetriedForward> {
  const startedAt = Date.now();
  for (let attempt = 1; ; attempt++) {
    const result = await upstream.forward(options);
    const reason = retryReason(result);
    if (reason === null || policy.attempts === 0) return { result, attempts: attempt };
    const hint = result.success ? retryAfterMs(result.headers) : null;
    if (hint !== null && hint > policy.maxRetryAfterMs) return { result, attempts: attempt };
    const wait = hint ?? backoffMs(attempt, policy);
    const exhausted = attempt > policy.attempts || Date.now() + wait - startedAt > policy.deadlineMs;
    if (exhausted) return { result: givenUp(result, attempt), attempts: attempt };
    if (result.success) result.body.destroy();
    onRetry(reason);
    try {
      await sleep(wait, undefined, { signal: options.signal });
    } catch {
      return { result: { success: false, status: 502, message: 'The client went away before the upstream answered.', aborted: true }, attempts: attempt };
    }
  }
}

/** Why `result` is worth another try (a metrics label), or null. */
function retryReason(result: ForwardResult): string | null {
  if (result.success) return RETRY_STATUSES.has(result.status) ? `http_${result.status}` : null;
  if (result.aborted || result.code === undefined) return null;
  return RETRY_CODES.get(result.code) ?? null;
}

/** Before the `attempt`th retry: base * 2^(attempt-1), at most `maxDelayMs`, less up to a quarter at random. */
export function backoffMs(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>): number {
  const delay = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  return Math.round(delay * (1 - Math.random() * 0.25));
}

/** What the client gets when the last try failed too. */
function givenUp(result: ForwardResult, attempts: number): ForwardResult {
  const tries = `${attempts} attempts`;
  if (!result.success) return { ...result, message: `${result.message.replace(/\.$/, '')} in ${tries}.` };
  // A rate limit is the client's to wait out: its SDK reads the status and Retry-After.
  if (result.status === 429) return result;
  result.body.destroy();
  const retryAfter = result.headers.get('retry-after') ?? undefined;
  const status = result.status === 503 || result.status === 529 ? 503 : 502;
  return { success: false, status, message: `The upstream answered ${result.status} in ${tries}.`, aborted: false, upstreamStatus: result.status, retryAfter };
}
