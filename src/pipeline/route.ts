import { providerAdapters } from '../providers/registry.js';
import type { OperationRoute, ProviderAdapter, RouteMatch } from '../providers/types.js';

export const DEFAULT_PROFILE_ID = 'default';

export type RouteResult =
  | { kind: 'match'; adapter: ProviderAdapter; profileId: string; match: RouteMatch }
  /** The model router (`/router/...`, route-router.ts): OpenAI's format in, the provider the body's `model` names behind. */
  | { kind: 'router'; adapter: ProviderAdapter; profileId: string; match: RouteMatch }
  | { kind: 'unknown-path'; adapter: ProviderAdapter; profileId: string; message: string }
  | { kind: 'unknown-provider'; message: string };

/** The adapters a proxy serves, by the name in the path (a Map: `/__proto__/...` finds nothing). */
export type AdapterLookup = ReadonlyMap<string, { adapter: ProviderAdapter }>;

/** The built-in adapters, for a caller that serves nothing else. */
const BUILT_IN: AdapterLookup = new Map(Object.entries(providerAdapters).flatMap(([name, adapter]) => (adapter ? [[name, { adapter }] as const] : [])));

/**
 * Routes a mount-relative path `/<provider>[/<profileId>]/<native path>`. The native path must be
 * one the provider's adapter lists: everything else is a 404, never a pass-through.
 */
export function routePath(method: string, pathname: string, profileIds: ReadonlySet<string>, providers: AdapterLookup = BUILT_IN): RouteResult {
  const segments = pathname.split('/');
  // A leading "/" gives an empty first segment; any other empty segment ("//") is refused.
  if (segments[0] !== '' || segments.length < 2) return unknownProvider(pathname, providers);
  const adapter = providers.get(segments[1]!)?.adapter;
  if (!adapter) return unknownProvider(pathname, providers);
  const rest = segments.slice(2);
  if (rest[0] === undefined || !profileIds.has(rest[0])) return routeNative(adapter, method, rest, DEFAULT_PROFILE_ID);
  const profiled = routeNative(adapter, method, rest.slice(1), rest[0]);
  if (profiled.kind === 'match') return profiled;
  // A profile named like the start of a native path (`openai` in Azure's `/openai/...`): the
  // path is read as native when it is one, and as the profile's otherwise.
  const native = routeNative(adapter, method, rest, DEFAULT_PROFILE_ID);
  return native.kind === 'match' ? native : profiled;
}

/** Routes a path relative to the provider's base URL, given as segments. */
export function routeNative(adapter: ProviderAdapter, method: string, segments: readonly string[], profileId: string): RouteResult {
  const nativePath = `/${segments.join('/')}`;
  for (const route of adapter.routes) {
    const params = matchSegments(route, method, segments);
    if (params) return { kind: 'match', adapter, profileId, match: { route, params, nativePath } };
  }
  return { kind: 'unknown-path', adapter, profileId, message: `Unknown request URL: ${method} ${truncate(nativePath)}. The proxy serves only ${adapter.name}'s API paths.` };
}

/** The parameters the route's patterns capture, or null when the route does not match. */
function matchSegments(route: OperationRoute, method: string, segments: readonly string[]): string[] | null {
  if (route.method !== method || route.segments.length !== segments.length) return null;
  const params: string[] = [];
  for (const [index, expected] of route.segments.entries()) {
    const actual = segments[index] ?? '';
    if (typeof expected === 'string') {
      if (expected !== actual) return null;
      continue;
    }
    const found = expected.exec(actual);
    if (!found) return null;
    params.push(found[1] ?? found[0]);
  }
  return params;
}

function unknownProvider(pathname: string, providers: AdapterLookup): RouteResult {
  return {
    kind: 'unknown-provider',
    message: `No provider at ${truncate(pathname)}. Point your SDK at <mount>/<provider>[/<proxyId>], where provider is one of: ${[...providers.keys()].join(', ')}.`,
  };
}

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
