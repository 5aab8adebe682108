/**
 * A byte-level scripted upstream for the streaming robustness tests (S1–S10 in SECURITY-TESTS.md):
 * a `node:http` server on 127.0.0.1 (see ../upstream/scripted-server.ts) that answers every request
 * with the next script, written step by step: byte pieces, pauses, a reset connection, a hang, or a
 * generated body written with backpressure (it waits for `drain`, so `written` is what the proxy
 * actually took off the socket, plus what the kernel buffers hold).
 */
import type { ServerResponse } from 'node:http';
import { type RecordedRequest, type ScriptedServer, startScriptedServer } from '../upstream/scripted-server.js';

export type Step =
  | string
  | Uint8Array
  /** Wait before the next step. */
  | { delayMs: number }
  /**
   * Reset the connection (no chunked-encoding end): what a crashed upstream or a cut cable looks
   * like. (The scripted server counts it as an abort: do not combine with `waitForAbort`.)
   */
  | { destroy: true }
  /** Never write again and never end: the socket stays open until the proxy goes away. */
  | { hang: true }
  /** Wait until the test lets this answer go on (e.g. once it has signalled the proxy). */
  | { until: Promise<unknown> }
  /** `count` pieces from `piece(i)`, each written only once the socket took the one before it. */
  | { generate: (i: number) => string | Uint8Array; count: number };

export interface RawScript {
  status?: number;
  headers?: Record<string, string>;
  /** Wait this long before sending the status line and headers. */
  headersDelayMs?: number;
  steps: Step[];
}

export interface RawUpstream {
  url: string;
  requests: RecordedRequest[];
  /** Bytes of body the current (last) answer handed to its socket so far. */
  readonly written: number;
  /** True once the last answer wrote all its steps and ended. */
  readonly ended: boolean;
  /** Answers all following requests with `script` (or the script made for each request). */
  reply(script: RawScript | ((request: RecordedRequest) => RawScript)): void;
  readonly abortCount: number;
  waitForAbort: ScriptedServer['waitForAbort'];
  reset(): void;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startRawStreamUpstream(): Promise<RawUpstream> {
  let script: RawScript | ((request: RecordedRequest) => RawScript) = { steps: [] };
  let written = 0;
  let ended = false;

  async function write(res: ServerResponse, piece: string | Uint8Array): Promise<boolean> {
    if (res.destroyed) return false;
    written += typeof piece === 'string' ? Buffer.byteLength(piece) : piece.byteLength;
    if (!res.write(piece)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
    return !res.destroyed;
  }

  const server = await startScriptedServer(
    'raw stream',
    async (request, res) => {
      const { status = 200, headers = { 'content-type': 'text/event-stream; charset=utf-8' }, headersDelayMs, steps } = typeof script === 'function' ? script(request) : script;
      written = 0;
      ended = false;
      if (headersDelayMs) await sleep(headersDelayMs);
      if (res.destroyed) return;
      res.writeHead(status, headers);
      res.flushHeaders();
      for (const [index, step] of steps.entries()) {
        if (res.destroyed) return;
        // Each piece its own socket write: at least one event-loop turn between two.
        if (index > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        if (typeof step === 'string' || step instanceof Uint8Array) {
          if (!(await write(res, step))) return;
        } else if ('delayMs' in step) await sleep(step.delayMs);
        else if ('destroy' in step) return void res.socket?.destroy();
        else if ('hang' in step) return;
        else if ('until' in step) await step.until;
        else for (let i = 0; i < step.count; i++) if (!(await write(res, step.generate(i)))) return;
      }
      res.end();
      ended = true;
    },
    (res, error) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    },
  );

  return {
    url: server.url,
    requests: server.requests,
    get written() {
      return written;
    },
    get ended() {
      return ended;
    },
    reply(next) {
      script = next;
    },
    get abortCount() {
      return server.abortCount;
    },
    waitForAbort: (timeoutMs) => server.waitForAbort(timeoutMs),
    reset() {
      server.clear();
      script = { steps: [] };
    },
    close: () => server.close(),
  };
}
