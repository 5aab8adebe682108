import type { GoogleGenAIOptions, HttpOptions } from '@google/genai';
import { ArchestraError } from '../../errors.js';
import type { ProxyFetch } from '../proxy-fetch.js';

/**
 * What `withArchestra` reads of a `GoogleGenAI` client (@google/genai). The SDK has no
 * `withOptions()`; its options live on the instance, so a copy is built from them.
 */
interface GoogleGenAIShape {
  models: { generateContent: unknown };
  apiClient: { getFetch?: () => unknown };
  vertexai?: boolean;
  apiKey?: string;
  apiVersion?: string;
  httpOptions?: HttpOptions;
}

/** Recognises a `GoogleGenAI` client by its shape: `models.generateContent` and an `apiClient`. */
export function isGoogleGenAIClient(client: unknown): boolean {
  if (typeof client !== 'object' || client === null) return false;
  const shape = client as Partial<GoogleGenAIShape>;
  return typeof shape.models?.generateContent === 'function' && typeof shape.apiClient === 'object' && shape.apiClient !== null;
}

/**
 * A new client of the same class, with the same key, API version and HTTP options (base URL,
 * headers, timeout, retries) plus `httpOptions.fetch`. The given client is left as it was.
 * Vertex AI clients are refused: their API is not the Gemini API the proxy serves.
 */
export function googleGenAIWithFetch<Client extends object>(client: Client, fetch: ProxyFetch): Client {
  const source = client as unknown as GoogleGenAIShape;
  if (source.vertexai === true) {
    throw new ArchestraError('ARCHESTRA_UNSUPPORTED_CLIENT', 'withArchestra() supports GoogleGenAI clients of the Gemini API; this one uses Vertex AI, whose API the proxy does not serve.');
  }
  const options: GoogleGenAIOptions = { vertexai: false, httpOptions: { ...source.httpOptions, fetch } };
  if (source.apiKey !== undefined) options.apiKey = source.apiKey;
  if (source.apiVersion !== undefined) options.apiVersion = source.apiVersion;
  const Constructor = client.constructor as new (options: GoogleGenAIOptions) => Client;
  const copy = new Constructor(options);
  // An SDK without `httpOptions.fetch` would ignore it and call the provider directly: refuse that.
  if ((copy as unknown as GoogleGenAIShape).apiClient.getFetch?.() !== fetch) {
    throw new ArchestraError('ARCHESTRA_UNSUPPORTED_CLIENT', 'This version of @google/genai does not take httpOptions.fetch, so its calls cannot be routed through the proxy; upgrade @google/genai, or point httpOptions.baseUrl at a mounted proxy.');
  }
  return copy;
}
