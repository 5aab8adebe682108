import { performance } from 'node:perf_hooks';
import { openaiAdapter } from '../providers/openai/index.js';
import { finishWith } from './finish.js';
import type { Finish, Recorder } from './record.js';
import type { RouteResult } from './route.js';

/** Seconds a client refused for lack of room is asked to wait (`Retry-After`) before it tries again. */
export const RETRY_AFTER_SECONDS = 1;

/**
 * The requests a proxy is serving, from arrival until their audit row is written (a stream's
 * when it ends or its client goes away): capped by `limits.maxInFlight`, and awaited on close.
 */
export interface InFlight {
  readonly count: number;
  /** Takes a place for the request `recorder` records, given back when it finishes; false when all are taken. */
  enter(recorder: Recorder): boolean;
  /** Resolves true once nothing is in flight, or false when `timeoutMs` passed first. */
  settled(timeoutMs: number): Promise<boolean>;
  /** Ends the record of every request still in flight (each gets its row), as `finish` says. */
  finishAll(finish: Finish): void;
}

export function createInFlight(max: number): InFlight {
  const live = new Set<Recorder>();
  let waiters: (() => void)[] = [];
  const leave = (recorder: Recorder) => {
    live.delete(recorder);
    if (live.size > 0 || waiters.length === 0) return;
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  };
  return {
    get count() {
      return live.size;
    },
    enter(recorder) {
      if (live.size >= max) return false;
      live.add(recorder);
      recorder.onFinish = () => leave(recorder);
      return true;
    },
    settled(timeoutMs) {
      if (live.size === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((waiter) => waiter !== wake);
          resolve(false);
        }, timeoutMs);
        waiters.push(wake);
      });
    },
    finishAll(finish) {
      const now = performance.now();
      for (const recorder of [...live]) recorder.finish(finish, now);
    },
  };
}

/**
 * A request the proxy has no room for (at its in-flight cap, or shutting down): answered at once,
 * 503 with `Retry-After` in the provider's error shape (so its SDK waits and retries), and
 * recorded like any other refusal. Nothing of it is read, nor any client header trusted.
 */
export function refuseForLackOfRoom(route: RouteResult, recorder: Recorder, message: string): Response {
  const adapter = route.kind === 'unknown-provider' ? openaiAdapter : route.adapter;
  if (route.kind !== 'unknown-provider') {
    // The router's provider is named in the body, which is not read here.
    recorder.provider = route.kind === 'router' ? null : adapter.name;
    recorder.proxyId = route.profileId;
    if (route.kind === 'match' || route.kind === 'router') recorder.operation = route.match.route.operation;
  }
  const response = adapter.errorResponse(503, message, 'overloaded_error', { 'retry-after': String(RETRY_AFTER_SECONDS) });
  return finishWith(recorder, response, 'rejected', message);
}
