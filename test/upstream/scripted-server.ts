/**
 * What every scripted upstream shares: a `node:http` server on 127.0.0.1:0 that records each
 * request, notices a client that goes away before its answer ended (the proxy aborting the
 * upstream), and hands the request to the provider's own handler.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path plus query string, e.g. `/v1/chat/completions?x=1`. */
  path: string;
  /** Lower-cased header names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: string;
  /** `body` parsed as JSON, or undefined when empty / not JSON. */
  json: any;
}

export interface ScriptedServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Every request received, recorded before it is answered. */
  requests: RecordedRequest[];
  /** Number of answers whose client went away before they finished. */
  readonly abortCount: number;
  /**
   * Resolves when an answer's client goes away before it finished. Each abort satisfies one call,
   * so an abort that happened before the call is not missed. Rejects after `timeoutMs`.
   */
  waitForAbort(timeoutMs?: number): Promise<void>;
  /** Forgets the recorded requests and aborts. */
  clear(): void;
  /** Closes the server and every connection; connections cut here are not aborts. */
  close(): Promise<void>;
}

export async function startScriptedServer(
  label: string,
  handle: (request: RecordedRequest, res: ServerResponse) => void | Promise<void>,
  onError: (res: ServerResponse, error: unknown) => void,
): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  let abortCount = 0;
  let unclaimedAborts = 0;
  let abortWaiters: (() => void)[] = [];
  let closing = false;

  const noteAbort = () => {
    if (closing) return;
    abortCount++;
    const waiter = abortWaiters.shift();
    if (waiter) waiter();
    else unclaimedAborts++;
  };

  const server = createServer(async (incoming: IncomingMessage, res: ServerResponse) => {
    const request = await record(incoming);
    if (!request) return; // the client went away while sending its body
    requests.push(request);
    res.on('close', () => {
      if (!res.writableEnded) noteAbort();
    });
    try {
      await handle(request, res);
    } catch (error) {
      if (!res.headersSent) onError(res, error);
      else res.destroy(error as Error);
    }
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get abortCount() {
      return abortCount;
    },
    waitForAbort(timeoutMs = 5000) {
      if (unclaimedAborts > 0) {
        unclaimedAborts--;
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        const waiter = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          abortWaiters = abortWaiters.filter((w) => w !== waiter);
          reject(new Error(`scripted ${label} upstream: no client abort within ${timeoutMs}ms`));
        }, timeoutMs);
        abortWaiters.push(waiter);
      });
    },
    clear() {
      requests.length = 0;
      abortCount = 0;
      unclaimedAborts = 0;
    },
    close() {
      closing = true;
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

async function record(incoming: IncomingMessage): Promise<RecordedRequest | null> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
  } catch {
    return null;
  }
  const body = Buffer.concat(chunks).toString('utf8');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  let json: any;
  try {
    json = body ? JSON.parse(body) : undefined;
  } catch {
    json = undefined;
  }
  return { method: incoming.method ?? 'GET', path: incoming.url ?? '/', headers, body, json };
}

/**
 * The replies of a scripted upstream: `set()` changes the default for all following requests,
 * `once()` queues a one-shot reply used (first in, first out) before it. A reply may be a function
 * of the request. `reset()` forgets the queue and restores `fallback`.
 */
export function createReplies<Reply extends object, Options extends object>(fallback: Reply) {
  type Script = Reply | ((request: RecordedRequest) => Reply);
  let current: { script: Script; options: Options } = { script: fallback, options: {} as Options };
  let queue: { script: Script; options: Options }[] = [];
  return {
    set(script: Script, options: Options): void {
      current = { script, options };
    },
    once(script: Script, options: Options): void {
      queue.push({ script, options });
    },
    next(request: RecordedRequest): { reply: Reply; options: Options } {
      const { script, options } = queue.shift() ?? current;
      return { reply: typeof script === 'function' ? script(request) : script, options };
    },
    reset(): void {
      queue = [];
      current = { script: fallback, options: {} as Options };
    },
  };
}

/** A reply, or a function of the request that gives one. */
export type ReplyScriptOf<Reply> = Reply | ((request: RecordedRequest) => Reply);

/** What a test holds of a scripted upstream, whatever the provider. */
export interface ScriptedUpstream<Reply, Options> {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Every request received, recorded before replying. */
  requests: RecordedRequest[];
  /** The reply for all following requests until changed. */
  reply(reply: ReplyScriptOf<Reply>, stream?: Options): void;
  /** A one-shot reply, used (first in, first out) before the `reply()` default. */
  replyOnce(reply: ReplyScriptOf<Reply>, stream?: Options): void;
  /** Number of answers whose client went away before they finished. */
  readonly abortCount: number;
  /**
   * Resolves when an answer's client goes away before it finished (e.g. the proxy aborting the
   * upstream mid-stream). Each abort satisfies one call. Rejects after `timeoutMs`.
   */
  waitForAbort(timeoutMs?: number): Promise<void>;
  /** Forgets recorded requests, queued replies and aborts; restores the default reply. */
  reset(): void;
  close(): Promise<void>;
}

/** The test-facing side of a scripted upstream: its server and its replies; `onReset` clears what else it keeps. */
export function scriptedUpstream<Reply extends object, Options extends object>(
  server: ScriptedServer,
  replies: ReturnType<typeof createReplies<Reply, Options>>,
  onReset?: () => void,
): ScriptedUpstream<Reply, Options> {
  return {
    url: server.url,
    requests: server.requests,
    reply: (reply, stream = {} as Options) => replies.set(reply, stream),
    replyOnce: (reply, stream = {} as Options) => replies.once(reply, stream),
    get abortCount() {
      return server.abortCount;
    },
    waitForAbort: (timeoutMs) => server.waitForAbort(timeoutMs),
    reset() {
      server.clear();
      replies.reset();
      onReset?.();
    },
    close: () => server.close(),
  };
}
