import type { OperationRoute } from '../types.js';
import { MODEL_SEGMENT, openaiRoutes } from '../openai/routes.js';

/** The operations Azure serves per deployment: `/openai/deployments/{deployment}/<path>`. */
const DEPLOYMENT_OPERATIONS = new Set(['chat', 'text_completion', 'embeddings']);

/** The operations Azure's dated API serves at `/openai/<path>?api-version=...` (no deployment in the path). */
const RESOURCE_OPERATIONS = new Set(['responses', 'responses.retrieve', 'responses.delete', 'responses.cancel', 'responses.input_items', 'models']);

/**
 * Azure OpenAI's paths, relative to the resource's endpoint (`https://<resource>.openai.azure.com`):
 * the deployment paths, the dated resource paths, and the v1 API (`/openai/v1/...`, OpenAI's own
 * paths). Each is OpenAI's operation under a prefix, so the OpenAI adapter reads it.
 */
export const azureRoutes: readonly OperationRoute[] = [
  ...openaiRoutes.filter((route) => DEPLOYMENT_OPERATIONS.has(route.operation)).map((route) => prefixed(['openai', 'deployments', MODEL_SEGMENT], route)),
  ...openaiRoutes.filter((route) => RESOURCE_OPERATIONS.has(route.operation)).map((route) => prefixed(['openai'], route)),
  ...openaiRoutes.map((route) => prefixed(['openai', 'v1'], route)),
];

/** Whether the route is a deployment path: its first parameter is the deployment. */
export function isDeploymentRoute(route: OperationRoute): boolean {
  return route.segments[1] === 'deployments';
}

/** Whether the route is on the v1 API, which takes no `api-version`. */
export function isV1Route(route: OperationRoute): boolean {
  return route.segments[1] === 'v1';
}

function prefixed(prefix: OperationRoute['segments'], route: OperationRoute): OperationRoute {
  return { ...route, segments: [...prefix, ...route.segments] };
}
