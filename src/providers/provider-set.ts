import { DEFAULT_BASE_URLS, type ResolvedConfig } from '../config/schema.js';
import { azureAdapter } from './azure/index.js';
import { KNOWN_COMPATIBLE_APIS, isLoopbackUrl, openaiCompatibleAdapter } from './openai-compatible.js';
import { providerAdapters } from './registry.js';
import type { ProviderAdapter } from './types.js';
import { PROVIDER_NAMES } from '../types.js';

const BUILT_IN: ReadonlySet<string> = new Set(PROVIDER_NAMES);

/** One provider a proxy serves at `/<name>`. */
export interface ServedProvider {
  adapter: ProviderAdapter;
  /** The upstream base URL; the client's native path is appended to it. */
  baseUrl: string;
  /** The base URLs that identify it in-process (`createProxyFetch`): the configured one and its public default. */
  knownBaseUrls: readonly string[];
  /** Headers sent upstream with every request (`providers.<name>.headers`). */
  headers: Readonly<Record<string, string>>;
}

/** The providers one proxy serves, by name (a Map: a name such as `__proto__` finds nothing). */
export type ProviderSet = ReadonlyMap<string, ServedProvider>;

/**
 * What the configuration serves: every built-in provider with a base URL (Azure only once its
 * resource is configured), and each OpenAI-compatible API it names.
 */
export function createProviderSet(providers: ResolvedConfig['providers']): ProviderSet {
  const set = new Map<string, ServedProvider>();
  for (const [name, adapter] of Object.entries(providerAdapters)) {
    if (!adapter) continue;
    const fallback = (DEFAULT_BASE_URLS as Readonly<Record<string, string>>)[name];
    const configured = providers[name]?.baseUrl;
    const baseUrl = configured ?? fallback;
    if (baseUrl !== undefined) set.set(name, served(adapter, baseUrl, fallback));
  }
  const azure = providers.azure;
  if (azure?.baseUrl !== undefined) set.set('azure', served(azureAdapter({ apiVersion: azure.apiVersion }), azure.baseUrl));
  for (const [name, entry] of Object.entries(providers)) {
    // Every other name is an OpenAI-compatible API (the schema checked it is a valid one).
    if (entry === undefined || BUILT_IN.has(name) || Object.hasOwn(providerAdapters, name)) continue;
    const known = KNOWN_COMPATIBLE_APIS.get(name);
    const baseUrl = entry.baseUrl ?? known?.baseUrl;
    // The schema sees to a base URL for every name outside the built-in list.
    if (baseUrl === undefined) continue;
    const requiresCredential = known ? known.keyless !== true : !isLoopbackUrl(baseUrl);
    const headers = 'headers' in entry && entry.headers ? entry.headers : {};
    set.set(name, { ...served(openaiCompatibleAdapter(name, requiresCredential), baseUrl, known?.baseUrl), headers });
  }
  return set;
}

function served(adapter: ProviderAdapter, baseUrl: string, fallback?: string): ServedProvider {
  return { adapter, baseUrl, knownBaseUrls: [...new Set(fallback === undefined ? [baseUrl] : [baseUrl, fallback])], headers: {} };
}
