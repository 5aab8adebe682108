import { Agent, errors as undiciErrors, request as undiciRequest } from 'undici';
import type { Dispatcher } from 'undici';
import { connectionListed, isHopByHop } from '../providers/shared/hop-by-hop.js';
import { CREDENTIAL_HEADERS } from '../auth/credential.js';
import { isArchestraHeader } from './context.js';

/**
 * Request headers the proxy sets or drops itself: client-claimed addresses, cookies meant for the
 * proxy's host, and compression (the proxy reads every response, so it asks for identity).
 */
const DROPPED_REQUEST_HEADERS = new Set(['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip', 'cookie', 'accept-encoding', 'origin', 'referer']);

/** Response headers that never reach the client: they describe the upstream's connection or session. */
const DROPPED_RESPONSE_HEADERS = new Set(['set-cookie', 'content-encoding', 'location', 'alt-svc', 'strict-transport-security']);

export interface ForwardOptions {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Uint8Array | string | null;
  signal: AbortSignal;
}

export type ForwardResult =
  | { success: true; status: number; headers: Headers; body: Dispatcher.ResponseData['body'] }
  | {
      success: false;
      status: 502 | 503 | 504;
      message: string;
      aborted: boolean;
      /** The connection error's code (ECONNREFUSED, UND_ERR_CONNECT_TIMEOUT, ...), when there was one. */
      code?: string;
      /** Retries gave up on this upstream status (see retry.ts): the client gets `status` instead. */
      upstreamStatus?: number;
      /** The upstream's `Retry-After`, passed on with the clean error. */
      retryAfter?: string;
    };

export interface UpstreamClient {
  forward(options: ForwardOptions): Promise<ForwardResult>;
  /**
   * Ends every upstream request in flight, and refuses those to come, with a `ShutdownError`
   * (`message`): a stream being read fails with it, a request not yet answered gets a 503.
   */
  abort(message: string): void;
  close(): Promise<void>;
}

/** Why an upstream request was ended by the proxy itself: it is closing and its drain time is over. */
export class ShutdownError extends Error {
  override name = 'ShutdownError';
}

export interface UpstreamClientOptions {
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  connections: number;
}

/**
 * Forwards on one keep-alive undici Agent (a pool per origin): `undici.request` costs a fraction
 * of global fetch's CPU. Redirects are never followed: `request` has no redirect handling unless
 * an interceptor adds it.
 */
export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const agent = new Agent({
    connections: options.connections,
    connectTimeout: options.connectTimeoutMs,
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
    keepAliveTimeout: 30_000,
  });
  /** Set once `abort()` ended everything. */
  let shutdown: { error: ShutdownError; destroyed: Promise<void> } | null = null;
  const refusedForShutdown = (): ForwardResult | null => shutdown && { success: false, status: 503, message: shutdown.error.message, aborted: false };
  return {
    async forward({ url, method, headers, body, signal }) {
      const refused = refusedForShutdown();
      if (refused) return refused;
      try {
        const response = await undiciRequest(url, { method: method as Dispatcher.HttpMethod, headers, body, signal, dispatcher: agent });
        // Failures surface where the body is read; destroying an unread body must not crash the process.
        response.body.on('error', () => {});
        return { success: true, status: response.statusCode, headers: toResponseHeaders(response.headers), body: response.body };
      } catch (error) {
        return refusedForShutdown() ?? describeFailure(error, signal);
      }
    },
    abort(message) {
      if (shutdown) return;
      const error = new ShutdownError(message);
      // undici fails each running request (its body too) with this very error, and closes its socket.
      shutdown = { error, destroyed: agent.destroy(error) };
    },
    close: () => shutdown?.destroyed ?? agent.close(),
  };
}

/** Client headers minus hop-by-hop, `X-Archestra-*`, every credential header and the drop list. */
export function upstreamHeaders(incoming: Headers, credentialHeaders: readonly string[]): Record<string, string> {
  const listed = connectionListed(incoming.get('connection'));
  const headers: Record<string, string> = {};
  for (const [name, value] of incoming) {
    if (isHopByHop(name, listed) || isArchestraHeader(name) || DROPPED_REQUEST_HEADERS.has(name) || CREDENTIAL_HEADERS.has(name) || credentialHeaders.includes(name)) continue;
    headers[name] = value;
  }
  headers['accept-encoding'] = 'identity';
  return headers;
}

function toResponseHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const connection = raw.connection;
  const listed = connectionListed(Array.isArray(connection) ? connection.join(',') : connection);
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    // A credential header in an answer can only be a key the upstream echoes: never passed on.
    if (value === undefined || isHopByHop(name, listed) || DROPPED_RESPONSE_HEADERS.has(name) || CREDENTIAL_HEADERS.has(name)) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  return headers;
}

function describeFailure(error: unknown, signal: AbortSignal): ForwardResult {
  if (signal.aborted) return { success: false, status: 502, message: 'The client went away before the upstream answered.', aborted: true };
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.ConnectTimeoutError) {
    return { success: false, status: 504, message: 'The upstream did not answer in time.', aborted: false, code: error.code };
  }
  // The code (ECONNREFUSED, ENOTFOUND, ...) helps the operator; the message could name internals.
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  return { success: false, status: 502, message: `The upstream could not be reached (${code ?? 'unknown error'}).`, aborted: false, code };
}
