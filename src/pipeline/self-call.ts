import { CREDENTIAL_QUERY_PARAMS } from '../auth/credential.js';
import type { PolicyDecision } from '../policy/types.js';
import type { ProviderAdapter, TextCall } from '../providers/types.js';
import { type RouteResult, routeNative } from './route.js';

/** Serves a request the proxy makes itself, as one of its own: auth, policies, audit row, metrics. */
export type SelfDispatch = (request: Request, search: string, route: RouteResult, note: PolicyDecision) => Promise<Response>;

/** Asks the model one thing through this proxy; `note` marks the call's own audit row. Returns its text. */
export type AskThroughProxy = (call: TextCall, note: PolicyDecision) => Promise<string>;

/** Headers of the client's request that must not carry over to a request with another body. */
const BODY_HEADERS = new Set(['content-length', 'content-type', 'content-encoding', 'transfer-encoding', 'accept', 'accept-encoding', 'connection', 'host', 'expect']);

export interface SelfCallInput {
  self: SelfDispatch;
  adapter: ProviderAdapter;
  profileId: string;
  /** The client's request: its credentials and context headers go along, its abort stops the call. */
  original: Request;
  query: URLSearchParams;
  /** How the call is routed, by its path's segments; by the adapter's routes when absent (the model router routes its own). */
  route?: (segments: string[]) => RouteResult;
}

/**
 * A function that asks the model one thing through this same proxy, as the client would: with
 * the client's credentials (so a virtual key's scope and the provider key are the client's), its
 * agent and session headers, and an audit row of its own that `note` marks.
 */
export function selfCaller(input: SelfCallInput): AskThroughProxy {
  const { self, adapter, profileId, original } = input;
  const headers = new Headers();
  original.headers.forEach((value, name) => {
    if (!BODY_HEADERS.has(name)) headers.set(name, value);
  });
  headers.set('content-type', 'application/json');
  // Only a credential may come along from the query string (Gemini's `?key=`): nothing else applies.
  const credentials = new URLSearchParams();
  for (const name of [...adapter.credentialQueryParams, ...CREDENTIAL_QUERY_PARAMS]) {
    const value = input.query.get(name);
    if (value !== null) credentials.set(name, value);
  }
  const search = credentials.size > 0 ? `?${credentials.toString()}` : '';

  return async (call, note) => {
    const request = new Request(`http://archestra.internal${call.nativePath}${search}`, { method: 'POST', headers, body: JSON.stringify(call.body), signal: original.signal });
    const segments = call.nativePath.split('/').slice(1);
    const route = input.route ? input.route(segments) : routeNative(adapter, 'POST', segments, profileId);
    const response = await self(request, search, route, note);
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`the model call was answered ${response.status}`);
    }
    return adapter.readResponse(call.operation, await response.json()).text;
  };
}
