import { performance } from 'node:perf_hooks';
import type { Recorder } from './record.js';

export type Outcome = 'ok' | 'rejected' | 'rate_limited' | 'over_budget' | 'upstream_error' | 'upstream_unreachable' | 'client_aborted';

/** Ends the request's record (its one audit row) with the response it got, and returns that response. */
export function finishWith(recorder: Recorder, response: Response, outcome: Outcome, error: string | null): Response {
  const now = performance.now();
  recorder.markFirstByte(now);
  recorder.finish({ status: response.status, outcome, error }, now);
  return response;
}
