import type { AuthConfig } from '../config/schema.js';
import type { KeyBudget, ProviderName, Store } from '../types.js';
import type { JwtResult } from './jwks.js';
import type { SecretBox } from './secret-box.js';
import { checkVirtualKey, isVirtualKey } from './virtual-key.js';

/** Who the caller is, as far as the proxy could tell. */
export interface Principal {
  /** `none`: no credential sent and none configured, for a provider that needs none (Ollama, vLLM). */
  method: 'provider_key' | 'virtual_key' | 'jwt' | 'configured_key' | 'none';
  virtualKeyId?: string;
  /** The virtual key's own budgets (`keys create --budget`). */
  keyBudgets?: KeyBudget[];
  /** From the JWT's user claim; wins over a claimed `X-Archestra-User-Id`. */
  userId?: string;
}

export type AuthResult =
  | { success: true; principal: Principal; upstreamKey: string | undefined }
  | { success: false; status: 401 | 403 | 503; message: string };

export interface AuthRequest {
  /** What the client sent where its SDK sends the key, if anything. */
  credential: string | undefined;
  provider: ProviderName;
  proxyId: string;
  auth: AuthConfig;
  /** The provider key the configuration holds for this profile and provider. */
  configuredKey: string | undefined;
  /** Whether the provider refuses calls without a key. */
  requiresCredential: boolean;
}

export interface AuthDeps {
  store: Store;
  secretBox: SecretBox | null;
  /** The profile's JWT verifier, when it accepts JWTs. */
  verifyJwt: ((token: string) => Promise<JwtResult>) | undefined;
}

/** Every provider key, virtual key and JWT is printable ASCII without spaces. */
const KEY_CHARACTERS = /^[\x21-\x7e]+$/;

/** Three base64url segments, the first a JSON header: `eyJ...`. */
const JWT_SHAPE = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

/**
 * Decides who the caller is and which key goes upstream. Fails closed: an error anywhere is a
 * refusal, never an anonymous pass; a virtual key or a JWT is never forwarded upstream.
 */
export async function authenticate(request: AuthRequest, deps: AuthDeps): Promise<AuthResult> {
  const { credential, auth } = request;
  try {
    if (credential === undefined || credential === '') {
      if (!auth.providerKeys) return refuse(401, 'This proxy requires a virtual key or a token; none was sent.');
      if (request.configuredKey === undefined && request.requiresCredential) {
        return refuse(401, 'No API key was provided, and the proxy has none configured for this provider.');
      }
      return { success: true, principal: { method: request.configuredKey === undefined ? 'none' : 'configured_key' }, upstreamKey: request.configuredKey };
    }
    // A client's key may go upstream in a header: one that could not be a header value (a CR/LF
    // from Gemini's `?key=`, a NUL, non-ASCII) is no key, and must not reach the upstream request.
    if (!KEY_CHARACTERS.test(credential)) return refuse(401, 'The API key contains characters no API key has.');
    if (isVirtualKey(credential)) {
      if (!auth.virtualKeys) return refuse(401, 'This proxy profile does not accept virtual keys.');
      const check = await checkVirtualKey(deps.store, deps.secretBox, credential, request.provider, request.proxyId);
      if (!check.success) return refuse(check.status, check.message);
      const upstreamKey = check.secrets[request.provider] ?? request.configuredKey;
      if (upstreamKey === undefined && request.requiresCredential) return refuse(401, `The virtual key carries no ${request.provider} key, and the proxy has none configured.`);
      return { success: true, principal: { method: 'virtual_key', virtualKeyId: check.record.id, ...(check.record.budgets ? { keyBudgets: check.record.budgets } : {}) }, upstreamKey };
    }
    if (deps.verifyJwt && JWT_SHAPE.test(credential)) {
      const verified = await deps.verifyJwt(credential);
      if (!verified.success) return refuse(verified.status, verified.message);
      if (request.configuredKey === undefined && request.requiresCredential) return refuse(401, `The proxy has no ${request.provider} key configured for token-authenticated calls.`);
      const principal: Principal = { method: 'jwt' };
      if (verified.userId !== undefined) principal.userId = verified.userId;
      return { success: true, principal, upstreamKey: request.configuredKey };
    }
    if (!auth.providerKeys) return refuse(401, 'This proxy requires a virtual key or a valid token.');
    return { success: true, principal: { method: 'provider_key' }, upstreamKey: credential };
  } catch {
    // A store or crypto failure must not become an open door.
    return refuse(503, 'The proxy could not check the credential.');
  }
}

function refuse(status: 401 | 403 | 503, message: string): AuthResult {
  return { success: false, status, message };
}
