import { hashKey, keyMatchesDigest } from '../auth/timing-safe-equal.js';
import type { ApprovalBook } from '../pipeline/approval-book.js';
import { adminError } from './admin-error.js';
import { handleApprovals } from './approvals.js';

/** Where the admin API lives, relative to the proxy's mount. */
export const ADMIN_PREFIX = '/admin/api/';

export interface AdminApi {
  /** Serves a request under `/admin/api/`: 401 without the admin token. */
  handle(request: Request, path: string): Promise<Response>;
}

/**
 * The admin API, when an admin token is configured (`admin.token`); without one there is none
 * (the proxy answers 404 as for any unknown path). Only the bearer token authenticates a request,
 * compared in constant time: never the caller's address.
 */
export function createAdminApi(token: string | undefined, approvals: ApprovalBook): AdminApi | null {
  if (token === undefined) return null;
  const digest = hashKey(token);
  return {
    async handle(request, path) {
      const presented = /^Bearer +(\S+) *$/i.exec(request.headers.get('authorization') ?? '')?.[1] ?? '';
      if (!keyMatchesDigest(presented, digest)) {
        return adminError(401, 'The admin API needs Authorization: Bearer <the admin token>.', { 'www-authenticate': 'Bearer realm="admin"' });
      }
      let segments: string[];
      try {
        segments = path.slice(ADMIN_PREFIX.length).split('/').map(decodeURIComponent);
      } catch {
        return adminError(400, 'The path is not valid percent-encoding.');
      }
      if (segments[0] === 'approvals') return handleApprovals(request, segments.slice(1), approvals);
      return adminError(404, 'Unknown admin path: the admin API serves /admin/api/approvals.');
    },
  };
}
