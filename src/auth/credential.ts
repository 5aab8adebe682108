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
