import { IN_PROCESS, type Proxy } from '../proxy.js';
import type { RequestContext } from '../types.js';

/** The fetch signature the provider SDKs call. */
export type ProxyFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface ProxyFetchOptions extends RequestContext {
  /** The proxy profile to serve these calls with. @default 'default' */
  proxyId?: string;
}

const CONTEXT_HEADERS: readonly [keyof RequestContext, string][] = [
  ['agentId', 'x-archestra-agent-id'],
  ['userId', 'x-archestra-user-id'],
  ['sessionId', 'x-archestra-session-id'],
  ['executionId', 'x-archestra-execution-id'],
];

/**
 * A `fetch` that runs every call through the proxy inside this process and on to the upstream
 * the proxy's configuration names. The SDK keeps its usual base URL: the provider is recognised
 * from it. The ids in `options` are sent as `X-Archestra-*` headers unless a call sets its own.
 *
 * @example
 * const openai = new OpenAI({ apiKey, fetch: createProxyFetch(proxy, { agentId: 'billing-bot' }) });
 */
export function createProxyFetch(proxy: Proxy, options: ProxyFetchOptions = {}): ProxyFetch {
  const defaults = CONTEXT_HEADERS.flatMap(([field, header]) => {
    const value = options[field];
    return value === undefined ? [] : [[header, value] as const];
  });
  const target = options.proxyId === undefined ? {} : { proxyId: options.proxyId };
  // A plain function: SDKs call it as `fetch.call(undefined, url, init)`.
  return function proxyFetch(input, init) {
    let request: Request;
    try {
      request = input instanceof Request && init === undefined ? input : new Request(input, init);
    } catch (error) {
      return Promise.reject(error);
    }
    for (const [header, value] of defaults) {
      if (!request.headers.has(header)) request.headers.set(header, value);
    }
    return proxy[IN_PROCESS](request, target);
  };
}
