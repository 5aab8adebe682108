import { type FetchImplementation, type JWTPayload, createRemoteJWKSet, customFetch, errors as joseErrors, jwtVerify } from 'jose';

export interface JwksOptions {
  url: string;
  issuer: string | string[];
  audience: string | string[];
  algorithms: string[];
  clockToleranceSeconds: number;
  /** The claim that names the user. */
  userClaim: string;
  timeoutMs: number;
  /** Least time between two JWKS fetches triggered by unknown `kid`s. */
  cooldownMs: number;
}

export type JwtResult = { success: true; userId: string | undefined; subject: string | undefined; claims: JWTPayload } | { success: false; status: 401 | 503; message: string };

/**
 * Verifies JWTs against an identity provider's JWKS with jose. Keys come only from the configured
 * URL (a token's own `jku`/`jwk`/`x5u` headers are never followed), algorithms are an allowlist
 * (no `none`, no HMAC with a public key), `exp` is required, an unknown `kid` refetches the
 * key set at most once per cooldown, and a failed fetch is not retried within the cooldown.
 */
export function createJwtVerifier(options: JwksOptions): (token: string) => Promise<JwtResult> {
  const keySet = createRemoteJWKSet(new URL(options.url), {
    timeoutDuration: options.timeoutMs,
    cooldownDuration: options.cooldownMs,
    [customFetch]: backOffAfterFailure(options.cooldownMs),
  });
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keySet, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: options.algorithms,
        clockTolerance: options.clockToleranceSeconds,
        requiredClaims: ['exp'],
      });
      const claim = payload[options.userClaim];
      return { success: true, userId: typeof claim === 'string' ? claim : undefined, subject: payload.sub, claims: payload };
    } catch (error) {
      // The identity provider being unreachable is not the caller's fault, and never an open door.
      if (isKeySetUnavailable(error)) return { success: false, status: 503, message: 'The identity provider could not be reached, or sent no usable key set, to verify the token.' };
      return { success: false, status: 401, message: `The token was refused: ${describe(error)}.` };
    }
  };
}

/**
 * jose cools down only after a successful fetch: while the identity provider fails (refused,
 * timeout, non-200, not a key set) every request would fetch again. After a failure, fetches
 * within the cooldown fail at once without contacting it, so an outage is not amplified.
 */
function backOffAfterFailure(cooldownMs: number): FetchImplementation {
  let failedAt = Number.NEGATIVE_INFINITY;
  return async (url, init) => {
    if (Date.now() - failedAt < cooldownMs) throw new Error('The key set could not be fetched moments ago; not retrying yet.');
    try {
      const response = await fetch(url, init);
      if (response.status !== 200) {
        failedAt = Date.now();
        await response.body?.cancel();
        return response;
      }
      const text = await response.text();
      if (!isKeySetJson(text)) failedAt = Date.now();
      return new Response(text, { status: 200, headers: response.headers });
    } catch (error) {
      failedAt = Date.now();
      throw error;
    }
  };
}

function isKeySetJson(text: string): boolean {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && Array.isArray((value as { keys?: unknown }).keys);
  } catch {
    return false;
  }
}

/** Fetch failures, timeouts, a non-200 or unparseable JWKS: the key set is unavailable. */
function isKeySetUnavailable(error: unknown): boolean {
  if (!(error instanceof joseErrors.JOSEError)) return true;
  return error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid || error.code === 'ERR_JOSE_GENERIC';
}

function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'it has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `claim "${error.claim}" ${error.reason === 'missing' ? 'is missing' : 'is not acceptable'}`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'its algorithm is not allowed';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no key of the identity provider matches it';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'its signature is invalid';
  return 'it is malformed';
}
