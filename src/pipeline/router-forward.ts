/**
 * Sends a routed request to its deployments in turn: each with the upstream's own retries
 * (`upstream.retries`), and on to the next one when it could not be reached or answered 429 or
 * 5xx, all before any byte of an answer reached the client. A deployment given up on leaves a row
 * of its own linked to the request's (`attemptOf`); the one that answers is the request's row.
 */
import { performance } from 'node:perf_hooks';
import type { PolicyConfig } from '../policy/schema.js';
import type { ProviderAdapter } from '../providers/types.js';
import type { Deployment } from '../router/deployments.js';
import type { RouterTarget } from '../router/targets.js';
import type { DispatchDeps } from './dispatch.js';
import { finishWith } from './finish.js';
import type { ForwardResult } from './forward.js';
import type { ToolCallGuard } from './policy-stage.js';
import { readAnswer } from './read-answer.js';
import type { Recorder } from './record.js';
import { forwardWithRetries } from './retry.js';
import { translateAnswer } from './router-answer.js';

/** One deployment's upstream request, ready to go. */
export interface PreparedAttempt {
  deployment: Deployment;
  target: RouterTarget;
  url: string;
  /** The key the upstream gets (an error body quoting it never passes it on). */
  key: string | undefined;
  headers: Record<string, string>;
  body: string;
}

export interface FallbackInput {
  recorder: Recorder;
  deps: DispatchDeps;
  signal: AbortSignal;
  /** How the (translated) answer is judged: as OpenAI's Chat Completions. */
  answer: { adapter: ProviderAdapter; operation: string; policy: PolicyConfig; guard: ToolCallGuard | null; tainted: boolean; injectedUsage: boolean };
}

/** Status recorded for a request whose client went away before the answer (nginx's convention). */
const CLIENT_CLOSED = 499;

export async function forwardWithFallbacks(attempts: readonly PreparedAttempt[], input: FallbackInput): Promise<Response> {
  const { recorder, deps } = input;
  const { adapter } = input.answer;
  const retries = deps.config.upstream.retries;
  // Only the requests made while the price table is still loading (just after start) wait for it.
  if (!deps.prices.loaded) await deps.prices.ready();
  const startedAt = Date.now();
  let sent = 0;
  for (const [index, attempt] of attempts.entries()) {
    recorder.provider = attempt.deployment.provider;
    recorder.model = attempt.deployment.model;
    if (index === 0) recorder.startSpan(new URL(attempt.url).host);
    const attemptStart = performance.now();
    recorder.markUpstreamStart(attemptStart);
    const forwarded = await forwardWithRetries(deps.upstream, { url: attempt.url, method: 'POST', headers: attempt.headers, body: attempt.body, signal: input.signal }, retries, (reason) => recorder.countRetry(reason));
    sent += forwarded.attempts;
    recorder.upstreamAttempts = sent;
    const { result } = forwarded;
    const failure = failedBeforeAnswer(result);
    const next = attempts[index + 1];
    // The next deployment is tried while there is one and time is left (`upstream.retries.deadlineMs`).
    if (failure !== null && next && Date.now() - startedAt < retries.deadlineMs) {
      if (result.success) result.body.destroy();
      recorder.countRetry('fallback');
      const row = recorder.attempt(attemptStart);
      row.provider = attempt.deployment.provider;
      row.model = attempt.deployment.model;
      row.upstreamAttempts = forwarded.attempts;
      row.finish({ status: failure.status, outcome: failure.outcome, error: `${failure.message} Falling back to ${next.deployment.provider}:${next.deployment.model}.` }, performance.now());
      continue;
    }
    if (!result.success) {
      if (result.aborted) return finishWith(recorder, new Response(null, { status: CLIENT_CLOSED }), 'client_aborted', result.message);
      const extra = result.retryAfter === undefined ? undefined : { 'retry-after': result.retryAfter };
      const outcome = result.upstreamStatus === undefined ? 'upstream_unreachable' : 'upstream_error';
      return finishWith(recorder, adapter.errorResponse(result.status, result.message, 'upstream_error', extra), outcome, result.message);
    }
    if (result.status >= 300 && result.status < 400) {
      result.body.destroy();
      const message = `The upstream answered with a redirect (${result.status}); the proxy does not follow redirects.`;
      return finishWith(recorder, adapter.errorResponse(502, message, 'upstream_error'), 'upstream_error', message);
    }
    const stream = recorder.stream;
    const translated = await translateAnswer(result, attempt, { stream, maxBytes: deps.config.limits.maxResponseBodyBytes, signal: input.signal });
    if (!translated.success) return finishWith(recorder, adapter.errorResponse(translated.status, translated.message, 'upstream_error'), translated.outcome, translated.message);
    const { answer } = input;
    return readAnswer(translated.upstream, {
      ...answer,
      format: stream ? 'sse' : 'json',
      recorder,
      scanForLeaks: true,
      upstreamKey: attempt.key,
      signal: input.signal,
      maxHeldStreamBytes: deps.config.limits.maxHeldStreamBytes,
      maxResponseBodyBytes: deps.config.limits.maxResponseBodyBytes,
      maxTextBytes: deps.config.audit.maxBodyBytes,
    });
  }
  throw new Error('the model router had no deployment to try');
}

interface Failure {
  status: number;
  outcome: 'upstream_error' | 'upstream_unreachable';
  message: string;
}

/** Why a deployment's answer is worth trying the next one for (unreachable, 429, 5xx), or null. */
function failedBeforeAnswer(result: ForwardResult): Failure | null {
  if (!result.success) {
    if (result.aborted) return null;
    return { status: result.status, outcome: result.upstreamStatus === undefined ? 'upstream_unreachable' : 'upstream_error', message: result.message };
  }
  if (result.status === 429 || result.status >= 500) return { status: result.status, outcome: 'upstream_error', message: `The upstream answered ${result.status}.` };
  return null;
}
