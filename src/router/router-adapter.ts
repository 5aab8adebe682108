import { openaiAdapter } from '../providers/openai/index.js';
import type { OperationRoute, ProviderAdapter } from '../providers/types.js';

/** The router's paths, relative to `<mount>/router[/<proxyId>]`: Chat Completions only. */
const routerRoutes: readonly OperationRoute[] = [{ method: 'POST', segments: ['chat', 'completions'], operation: 'chat', hasBody: true }];

/**
 * The router speaks OpenAI's Chat Completions to its clients, whatever the provider behind: the
 * request and the (translated) answer are judged, refused and redacted as OpenAI's.
 */
export const routerAdapter: ProviderAdapter = {
  ...openaiAdapter,
  routes: routerRoutes,
  // The key goes by provider, from the configuration or a virtual key: none is needed to arrive.
  requiresCredential: false,
};

/** The first path segment that reaches the router (`/v1/router`, and `/v1/model-router` as its other name). */
export const ROUTER_PATHS: ReadonlySet<string> = new Set(['router', 'model-router']);
