import type { AnswerFormat, OperationRoute } from '../types.js';

/** The API versions the proxy serves: `v1beta` (the SDK's default) and the stable `v1`. */
export const GEMINI_API_VERSIONS = ['v1beta', 'v1'] as const;

/** A model id as it stands in a path (`gemini-2.5-flash`): no slashes, no dot-only ids. */
export const GEMINI_MODEL = /^(?!\.{1,2}$)([A-Za-z0-9._-]{1,256})$/;

/**
 * `{model}:{method}`, the custom-method form of Google's REST paths. The colon may come
 * percent-encoded from hand-written URLs.
 */
function modelMethod(method: string): RegExp {
  return new RegExp(`^(?!\\.{1,2}(?::|%3[Aa]))([A-Za-z0-9._-]{1,256})(?::|%3[Aa])${method}$`);
}

/** Routes whose answer is a stream (`streamGenerateContent`); the operation name stays `generate_content`. */
const streamRoutes = new Set<OperationRoute>();

/** Whether a matched route is `streamGenerateContent`. */
export function isStreamRoute(route: OperationRoute): boolean {
  return streamRoutes.has(route);
}

function routesFor(version: string): OperationRoute[] {
  const post = (method: string, operation: string): OperationRoute => ({ method: 'POST', segments: [version, 'models', modelMethod(method)], operation, hasBody: true });
  const stream = post('streamGenerateContent', 'generate_content');
  streamRoutes.add(stream);
  return [
    post('generateContent', 'generate_content'),
    stream,
    post('countTokens', 'count_tokens'),
    post('embedContent', 'embeddings'),
    post('batchEmbedContents', 'embeddings'),
    { method: 'GET', segments: [version, 'models'], operation: 'models', hasBody: false },
    { method: 'GET', segments: [version, 'models', GEMINI_MODEL], operation: 'models', hasBody: false },
  ];
}

/**
 * The Gemini API paths the proxy serves, relative to the base URL (the origin: the SDK appends
 * `/v1beta/models/{model}:generateContent`). Operation names follow the OpenTelemetry GenAI
 * conventions (`generate_content`, `embeddings`); whether a call streams is recorded apart.
 */
export const geminiRoutes: readonly OperationRoute[] = GEMINI_API_VERSIONS.flatMap(routesFor);

/**
 * `generateContent` answers JSON; `streamGenerateContent` answers SSE with `alt=sse` (what the SDK
 * asks for) and one JSON array without it. Token counts, embeddings and model lists pass as they are.
 */
export function geminiAnswerFormat(operation: string, stream: boolean, query: URLSearchParams): AnswerFormat {
  if (operation !== 'generate_content') return 'opaque';
  return stream && query.get('alt') === 'sse' ? 'sse' : 'json';
}
