import type { JwtResult } from '../auth/jwks.js';
import type { VirtualKeys } from '../auth/virtual-key.js';
import type { ResolvedConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { ApprovalBook } from '../pipeline/approval-book.js';
import type { ProfileBook } from '../pipeline/profile-book.js';
import type { Store } from '../types.js';
import { createAdminAuth } from './admin-auth.js';
import { adminError } from './admin-error.js';
import { handleApprovals } from './approvals.js';
import { handleInteractions } from './interactions.js';
import { handleKeys } from './keys.js';
import { openApiDocument } from './openapi.js';
import { handleProfiles } from './profiles.js';
import { handleUsage } from './usage.js';

/** Where the admin API lives, relative to the proxy's mount. */
export const ADMIN_PREFIX = '/admin/api/';

export interface AdminApi {
  /** Serves a request under `/admin/api/`: 401 without the admin token or an admin JWT. */
  handle(request: Request, path: string): Promise<Response>;
}

export interface AdminApiDeps {
  config: ResolvedConfig;
  store: Store;
  approvals: ApprovalBook;
  keys: VirtualKeys;
  profiles: ProfileBook;
  /** The verifier of `auth.jwks`, for `admin.jwtClaim`. */
  jwt: ((token: string) => Promise<JwtResult>) | undefined;
}

const SERVED = 'profiles, keys, interactions, usage, approvals, openapi.json';

/**
 * The admin API, when an admin token (`admin.token`) or an admin JWT claim (`admin.jwtClaim`) is
 * configured; without either there is none (the proxy answers 404 as for any unknown path). Only
 * the bearer credential authenticates a request: never the caller's address.
 */
export function createAdminApi(deps: AdminApiDeps): AdminApi | null {
  const { token, jwtClaim } = deps.config.admin;
  if (token === undefined && jwtClaim === undefined) return null;
  if (jwtClaim && !deps.jwt) throw new ConfigError('admin.jwtClaim needs auth.jwks: the identity provider whose JWTs are verified.');
  const authenticate = createAdminAuth({ token, ...(jwtClaim && deps.jwt ? { jwt: { verify: deps.jwt, ...jwtClaim } } : {}) });
  return {
    async handle(request, path) {
      const refused = await authenticate(request);
      if (refused) return refused;
      let segments: string[];
      try {
        segments = path.slice(ADMIN_PREFIX.length).split('/').map(decodeURIComponent);
      } catch {
        return adminError(400, 'The path is not valid percent-encoding.');
      }
      // A trailing slash names the same collection.
      if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
      const [first, ...rest] = segments;
      switch (first) {
        case 'approvals': return handleApprovals(request, rest, deps.approvals);
        case 'profiles': return handleProfiles(request, rest, { config: deps.config, book: deps.profiles, store: deps.store.profiles });
        case 'keys': return handleKeys(request, rest, deps.keys);
        case 'interactions': return handleInteractions(request, rest, deps.store);
        case 'usage': return handleUsage(request, rest, deps.store);
        case 'openapi.json':
          if (rest.length > 0) break;
          if (request.method !== 'GET') return adminError(405, `${request.method} is not served here; use GET.`, { allow: 'GET' });
          return Response.json(openApiDocument());
      }
      return adminError(404, `Unknown admin path: the admin API serves /admin/api/ ${SERVED}.`);
    },
  };
}
