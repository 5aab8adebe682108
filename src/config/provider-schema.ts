import { z } from 'zod';
import { CREDENTIAL_HEADERS } from '../auth/credential.js';
import { KNOWN_COMPATIBLE_APIS } from '../providers/known-compatible.js';
import { PROVIDER_NAMES } from '../types.js';
import { closestName } from './closest-name.js';
import { httpUrl } from './http-url.js';

/**
 * Names an OpenAI-compatible API may not take: the built-in providers (and those on their way),
 * and the path words the proxy serves itself beside `/<provider>` (`/admin/api`, the router).
 */
const RESERVED_PROVIDER_NAMES = new Set<string>([...PROVIDER_NAMES, 'bedrock', 'router', 'model-router', 'admin', 'api', 'v1', 'v1beta', 'healthz', 'metrics']);

/** A provider's name is a path segment and a metrics label: lower-case, short, no surprises. */
const PROVIDER_ID = /^[a-z][a-z0-9-]{0,31}$/;

/** Headers the proxy sets itself or never forwards; a configured header may not be one. */
const PROXY_OWNED_HEADERS = new Set(['host', 'content-length', 'content-type', 'connection', 'transfer-encoding', 'accept-encoding', 'te', 'upgrade', 'keep-alive', 'proxy-authorization']);

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Header names and values sent upstream as configured; a record's own key check would lose the reason. */
const upstreamHeaders = z.record(z.string(), z.string().regex(/^[\t\x20-\x7e]*$/, 'expected printable ASCII')).superRefine((headers, context) => {
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (!HEADER_NAME.test(name)) context.addIssue({ code: 'custom', path: [name], message: 'expected an HTTP header name' });
    else if (CREDENTIAL_HEADERS.has(lower) || PROXY_OWNED_HEADERS.has(lower) || lower.startsWith('x-archestra-')) {
      context.addIssue({ code: 'custom', path: [name], message: 'the proxy sets this header itself (a key goes in apiKey)' });
    }
  }
});

/** `providers.<name>` for an OpenAI-compatible API (Groq, Mistral, OpenRouter, your own server). */
export const compatibleProviderSchema = z.strictObject({
  /**
   * `openai-compatible`: the API speaks OpenAI's wire format (Chat Completions, Responses,
   * Embeddings, Models). Needed for a name that is not in the built-in list.
   */
  kind: z.literal('openai-compatible').optional(),
  /** Upstream base URL, what its docs give as the OpenAI SDK's `baseURL`. @default the built-in list's, for a name in it */
  baseUrl: httpUrl.optional(),
  /** Key used upstream when the client sends none. */
  apiKey: z.string().min(1).optional(),
  /**
   * Headers sent upstream with every request (OpenRouter's `HTTP-Referer` and `X-Title`). Not
   * credential, hop-by-hop or `X-Archestra-*` headers (a key goes in `apiKey`). @default {}
   */
  headers: upstreamHeaders.optional(),
});

/** `providers.azure`: an Azure OpenAI resource. */
export const azureProviderSchema = z.strictObject({
  /** The resource's endpoint, `https://<resource>.openai.azure.com`, without `/openai`. */
  baseUrl: httpUrl.optional(),
  /** Key used upstream (in `api-key`) when the client sends none. */
  apiKey: z.string().min(1).optional(),
  /**
   * `api-version` added to deployment and `/openai/responses` requests that carry none (the v1
   * API, `/openai/v1/...`, needs none). @default none: the client's is forwarded as it is
   */
  apiVersion: z
    .string()
    .regex(/^(\d{4}-\d{2}-\d{2}(-preview)?|preview|latest)$/, 'expected an api-version such as 2024-10-21 or 2025-04-01-preview')
    .optional(),
});

/**
 * The names in `providers` beyond the built-in ones are OpenAI-compatible APIs: each a valid id,
 * and either in the built-in list or given `kind: 'openai-compatible'` and a `baseUrl`.
 */
export function checkCompatibleProviders(providers: Record<string, unknown>, context: z.RefinementCtx): void {
  for (const [name, value] of Object.entries(providers)) {
    if ((PROVIDER_NAMES as readonly string[]).includes(name) || value === undefined) continue;
    const entry = value as z.output<typeof compatibleProviderSchema>;
    if (!PROVIDER_ID.test(name)) {
      context.addIssue({ code: 'custom', path: [name], message: 'a provider name is 1-32 lower-case letters, digits or "-", starting with a letter' });
    } else if (RESERVED_PROVIDER_NAMES.has(name)) {
      context.addIssue({ code: 'custom', path: [name], message: `"${name}" is reserved (a built-in provider or a path the proxy serves)` });
    } else if (!KNOWN_COMPATIBLE_APIS.has(name) && (entry.kind === undefined || entry.baseUrl === undefined)) {
      const guess = closestName(name, [...PROVIDER_NAMES, ...KNOWN_COMPATIBLE_APIS.keys()]);
      context.addIssue({
        code: 'custom',
        path: [name],
        message: `unknown provider${guess ? `; did you mean "${guess}"?` : ''} To serve an OpenAI-compatible API under this name, set kind: 'openai-compatible' and baseUrl. Built in: ${[...PROVIDER_NAMES, ...KNOWN_COMPATIBLE_APIS.keys()].join(', ')}.`,
      });
    }
  }
}
