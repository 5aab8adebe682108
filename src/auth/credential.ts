import { VIRTUAL_KEY_PREFIX } from './virtual-key.js';

/**
 * Header names that carry credentials in any provider's dialect. None is forwarded as the client
 * sent it: the provider adapter sets the one upstream header with the key the proxy chose.
 */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(['authorization', 'x-api-key', 'api-key', 'x-goog-api-key']);

/** Query parameters that carry credentials somewhere; never forwarded upstream. */
export const CREDENTIAL_QUERY_PARAMS: readonly string[] = ['key', 'api_key', 'api-key', 'apikey', 'access_token'];

/**
 * The credential from whichever standard header carries it, for clients that send a key another
 * way than their provider's SDK does: the same key gets the same decision whatever the transport.
 */
export function readAnyCredential(headers: Headers): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.get('authorization') ?? '')?.[1];
  return bearer ?? headers.get('x-api-key') ?? headers.get('api-key') ?? headers.get('x-goog-api-key') ?? undefined;
}

/** Carries a virtual key beside a provider key that travels in its usual header. */
export const VIRTUAL_KEY_HEADER = 'x-archestra-virtual-key';

export type PresentedCredential =
  | { success: true; credential: string | undefined; dropped?: string }
  | { success: false; message: string };

/**
 * The credential the caller authenticates with. `X-Archestra-Virtual-Key: arch_...` (for a client
 * whose SDK insists on sending a provider key) wins: the virtual key authenticates, its own
 * upstream secret (else the configured key) goes upstream, and the provider key it came with is
 * `dropped`: never forwarded, and scrubbed from the audit trail like any key.
 */
export function presentedCredential(headers: Headers, providerCredential: string | undefined): PresentedCredential {
  const virtualKey = headers.get(VIRTUAL_KEY_HEADER);
  if (virtualKey === null || virtualKey === '') return { success: true, credential: providerCredential };
  if (!virtualKey.startsWith(VIRTUAL_KEY_PREFIX)) return { success: false, message: `X-Archestra-Virtual-Key must carry a virtual key (${VIRTUAL_KEY_PREFIX}...).` };
  return { success: true, credential: virtualKey, ...(providerCredential !== undefined && providerCredential !== virtualKey ? { dropped: providerCredential } : {}) };
}
