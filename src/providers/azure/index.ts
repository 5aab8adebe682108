import { isRecord } from '../shared/json.js';
import type { DecodeResult, ProviderAdapter, RouteMatch } from '../types.js';
import { openaiAdapter, readBearer } from '../openai/index.js';
import { encodeChatTextRequest } from '../openai/text-request.js';
import { azureRoutes, isDeploymentRoute, isV1Route } from './routes.js';

/** Three base64url segments, the first a JSON header: an Entra ID (Azure AD) access token. */
const JWT_SHAPE = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

export interface AzureOptions {
  /** `api-version` for requests that carry none (`providers.azure.apiVersion`). */
  apiVersion?: string | undefined;
}

/**
 * Azure OpenAI: OpenAI's wire format under Azure's paths. The key travels in `api-key`; an Entra
 * ID token (`Authorization: Bearer eyJ...`) is passed through as a bearer token. On a deployment
 * path, the deployment is the model when the body names none.
 */
export function azureAdapter(options: AzureOptions = {}): ProviderAdapter {
  return {
    ...openaiAdapter,
    name: 'azure',
    routes: azureRoutes,
    requiresCredential: true,
    credentialHeaders: ['api-key', 'authorization'],
    credentialQueryParams: [],

    readCredential: (headers) => headers.get('api-key') ?? readBearer(headers),

    // A token is a bearer credential; everything else is a resource key.
    credentialHeader: (key) => (JWT_SHAPE.test(key) ? ['authorization', `Bearer ${key}`] : ['api-key', key]),

    decodeRequest(match, json, query): DecodeResult {
      if (!isDeploymentRoute(match.route) || !isRecord(json) || json.model !== undefined) return openaiAdapter.decodeRequest(match, json, query);
      const deployment = match.params[0]!;
      const decoded = openaiAdapter.decodeRequest(match, { ...json, model: deployment }, query);
      if (!decoded.success) return decoded;
      // The body goes upstream as the client wrote it: the deployment stays in the path only.
      delete decoded.json.model;
      return decoded;
    },

    // The proxy's own calls (the dual-LLM quarantine) use the v1 API: it needs no api-version,
    // and its `model` is the deployment.
    encodeTextRequest(request) {
      const call = encodeChatTextRequest(request);
      return { ...call, nativePath: `/openai/v1${call.nativePath}` };
    },

    upstreamQuery(match: RouteMatch, query: URLSearchParams) {
      if (options.apiVersion !== undefined && !isV1Route(match.route) && !query.has('api-version')) query.set('api-version', options.apiVersion);
    },
  };
}
