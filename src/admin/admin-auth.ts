import type { JWTPayload } from 'jose';
import type { JwtResult } from '../auth/jwks.js';
import { hashKey, keyMatchesDigest } from '../auth/timing-safe-equal.js';
import { adminError } from './admin-error.js';

/** Query parameters that look like a credential: refused, since URLs end up in logs and histories. */
const CREDENTIAL_PARAMS = new Set(['token', 'access_token', 'admin_token', 'id_token', 'jwt', 'key', 'api_key', 'apikey', 'auth', 'authorization', 'bearer']);

const CHALLENGE = { 'www-authenticate': 'Bearer realm="admin"' };

export interface AdminAuthOptions {
  /** The admin token (`admin.token`). */
  token: string | undefined;
  /** A JWT verified against `auth.jwks` whose claim has this value also gets in (`admin.jwtClaim`). */
  jwt?: { verify: (token: string) => Promise<JwtResult>; claim: string; value: string };
}

/**
 * Who may use the admin API: the bearer admin token (compared in constant time), or a JWT of the
 * configured identity provider carrying the admin claim. Never the caller's address, never a
 * credential in the query string. Resolves with null when the request may go on, else the refusal.
 */
export function createAdminAuth(options: AdminAuthOptions): (request: Request) => Promise<Response | null> {
  const digest = options.token === undefined ? undefined : hashKey(options.token);
  const jwt = options.jwt;
  const expected = `${digest ? 'Bearer <the admin token>' : ''}${digest && jwt ? ' or ' : ''}${jwt ? `Bearer <a JWT whose "${jwt.claim}" is "${jwt.value}">` : ''}`;
  return async (request) => {
    for (const name of new URL(request.url).searchParams.keys()) {
      if (CREDENTIAL_PARAMS.has(name.toLowerCase())) {
        return adminError(400, `Credentials are never taken from the query string ("${name}"): URLs end up in logs. Send Authorization: ${expected}.`, {}, {}, name);
      }
    }
    const presented = /^Bearer +(\S+) *$/i.exec(request.headers.get('authorization') ?? '')?.[1];
    if (presented === undefined) return adminError(401, `The admin API needs Authorization: ${expected}.`, CHALLENGE);
    if (digest && keyMatchesDigest(presented, digest)) return null;
    if (jwt && presented.split('.').length === 3) {
      const verified = await jwt.verify(presented);
      if (!verified.success) return adminError(verified.status, verified.message, verified.status === 401 ? CHALLENGE : {});
      if (hasClaim(verified.claims, jwt.claim, jwt.value)) return null;
      return adminError(403, `The token is valid but does not carry the admin claim: "${jwt.claim}" must be "${jwt.value}".`);
    }
    return adminError(401, `The admin API needs Authorization: ${expected}.`, CHALLENGE);
  };
}

/** The claim at a dotted path equals the value, or is a list holding it. */
function hasClaim(claims: JWTPayload, path: string, value: string): boolean {
  let found: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof found !== 'object' || found === null || !Object.hasOwn(found, part)) return false;
    found = (found as Record<string, unknown>)[part];
  }
  return found === value || (Array.isArray(found) && found.includes(value));
}
