import { providerAdapters } from '../providers/registry.js';
import type { OperationRoute, ProviderAdapter } from '../providers/types.js';
import { PROVIDER_NAMES, type ProviderName } from '../types.js';

export const DEFAULT_PROFILE_ID = 'default';

/** A wildcard segment must look like an id: no dots-only segments, no encoded slashes. */
const SAFE_SEGMENT = /^(?!\.{1,2}$)[A-Za-z0-9._~:@+-]{1,256}$/;

export type RouteResult =
  | { kind: 'match'; adapter: ProviderAdapter; profileId: string; route: OperationRoute; nativePath: string }
  | { kind: 'unknown-path'; adapter: ProviderAdapter; profileId: string; message: string }
  | { kind: 'unknown-provider'; message: string };

/**
 * Routes a mount-relative path `/<provider>[/<profileId>]/<native path>`. The native path must be
 * one the provider's adapter lists: everything else is a 404, never a pass-through.
 */
export function routePath(method: string, pathname: string, profileIds: ReadonlySet<string>): RouteResult {
  const segments = pathname.split('/');
  // A leading "/" gives an empty first segment; any other empty segment ("//") is refused.
  if (segments[0] !== '' || segments.length < 2) return unknownProvider(pathname);
  const providerName = segments[1] as ProviderName;
  const adapter = PROVIDER_NAMES.includes(providerName) ? providerAdapters[providerName] : undefined;
  if (!adapter) return unknownProvider(pathname);
  let rest = segments.slice(2);
  let profileId = DEFAULT_PROFILE_ID;
  if (rest[0] !== undefined && profileIds.has(rest[0])) {
    profileId = rest[0];
    rest = rest.slice(1);
  }
  return routeNative(adapter, method, rest, profileId);
}

/** Routes a path relative to the provider's base URL, given as segments. */
export function routeNative(adapter: ProviderAdapter, method: string, segments: readonly string[], profileId: string): RouteResult {
  const route = adapter.routes.find((candidate) => matches(candidate, method, segments));
  if (!route) {
    const path = `/${segments.join('/')}`;
    return { kind: 'unknown-path', adapter, profileId, message: `Unknown request URL: ${method} ${truncate(path)}. The proxy serves only ${adapter.name}'s API paths.` };
  }
  return { kind: 'match', adapter, profileId, route, nativePath: `/${segments.join('/')}` };
}

function matches(route: OperationRoute, method: string, segments: readonly string[]): boolean {
  if (route.method !== method || route.segments.length !== segments.length) return false;
  return route.segments.every((expected, index) => {
    const actual = segments[index] ?? '';
    return expected === '*' ? SAFE_SEGMENT.test(actual) : expected === actual;
  });
}

function unknownProvider(pathname: string): RouteResult {
  return {
    kind: 'unknown-provider',
    message: `No provider at ${truncate(pathname)}. Point your SDK at <mount>/<provider>[/<proxyId>], where provider is one of: ${PROVIDER_NAMES.join(', ')}.`,
  };
}

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
