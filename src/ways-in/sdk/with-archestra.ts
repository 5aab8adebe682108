import { ArchestraError } from '../../errors.js';
import type { Proxy } from '../../proxy.js';
import { type ProxyFetchOptions, createProxyFetch } from '../proxy-fetch.js';
import { googleGenAIWithFetch, isGoogleGenAIClient } from './google-genai.js';

export interface WithArchestraOptions extends ProxyFetchOptions {
  proxy: Proxy;
}

/** The clone method of Stainless-generated SDKs (openai, @anthropic-ai/sdk). */
interface StainlessClient {
  withOptions(options: { fetch: unknown }): unknown;
}

function isStainlessClient(client: unknown): client is StainlessClient {
  return typeof client === 'object' && client !== null && typeof (client as StainlessClient).withOptions === 'function';
}

/**
 * Returns a copy of `client`, of the same type, whose calls run through the proxy and carry the
 * given ids. The SDK is recognised by its shape and never imported, so none is required:
 * Stainless SDKs (openai, @anthropic-ai/sdk) are cloned with `withOptions({ fetch })`, a
 * `GoogleGenAI` client (@google/genai) is rebuilt with `httpOptions.fetch`.
 *
 * @example
 * const openai = withArchestra(new OpenAI(), { proxy, agentId: 'billing-bot', sessionId });
 * const ai = withArchestra(new GoogleGenAI({ apiKey }), { proxy, agentId: 'billing-bot' });
 */
export function withArchestra<Client extends object>(client: Client, options: WithArchestraOptions): Client {
  const { proxy, ...fetchOptions } = options;
  if (isStainlessClient(client)) return client.withOptions({ fetch: createProxyFetch(proxy, fetchOptions) }) as Client;
  if (isGoogleGenAIClient(client)) return googleGenAIWithFetch(client, createProxyFetch(proxy, fetchOptions));
  throw new ArchestraError('ARCHESTRA_UNSUPPORTED_CLIENT', 'withArchestra() supports OpenAI, Anthropic and GoogleGenAI clients (and other SDKs with withOptions({ fetch })); for others, pass createProxyFetch(proxy) as the client\'s fetch.');
}
