import { ROUTER_PATHS, routerAdapter } from '../router/router-adapter.js';
import { DEFAULT_PROFILE_ID, type RouteResult, routeNative } from './route.js';

/**
 * Routes a mount-relative path `/router[/<profileId>]/chat/completions` (or `/model-router/...`)
 * to the model router; null when the path is not the router's, for `routePath` to route.
 */
export function routeRouter(method: string, pathname: string, profileIds: ReadonlySet<string>): RouteResult | null {
  const segments = pathname.split('/');
  if (segments[0] !== '' || !ROUTER_PATHS.has(segments[1] ?? '')) return null;
  let rest = segments.slice(2);
  let profileId = DEFAULT_PROFILE_ID;
  if (rest[0] !== undefined && profileIds.has(rest[0])) {
    profileId = rest[0];
    rest = rest.slice(1);
  }
  const routed = routeNative(routerAdapter, method, rest, profileId);
  if (routed.kind === 'match') return { ...routed, kind: 'router' };
  const path = `/${rest.join('/')}`;
  return { kind: 'unknown-path', adapter: routerAdapter, profileId, message: `Unknown request URL: ${method} ${path.length > 200 ? `${path.slice(0, 200)}…` : path}. The model router serves only POST /chat/completions.` };
}
