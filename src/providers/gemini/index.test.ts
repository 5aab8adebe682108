import { ApiError, GoogleGenAI } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { routeNative } from '../../pipeline/route.js';
import { geminiAdapter } from './index.js';

function route(method: string, path: string) {
  const routed = routeNative(geminiAdapter, method, path.split('/').slice(1), 'default');
  return routed.kind === 'match' ? { operation: routed.match.route.operation, params: routed.match.params } : null;
}

describe('Gemini routes', () => {
  it('serves generate, stream, countTokens, embeddings and models under v1beta and v1; the model is the parameter', () => {
    for (const version of ['v1beta', 'v1']) {
      expect(route('POST', `/${version}/models/gemini-2.5-flash:generateContent`)).toEqual({ operation: 'generate_content', params: ['gemini-2.5-flash'] });
      expect(route('POST', `/${version}/models/gemini-2.5-flash:streamGenerateContent`)).toEqual({ operation: 'generate_content', params: ['gemini-2.5-flash'] });
      expect(route('POST', `/${version}/models/gemini-2.5-flash:countTokens`)).toEqual({ operation: 'count_tokens', params: ['gemini-2.5-flash'] });
      expect(route('POST', `/${version}/models/gemini-embedding-001:embedContent`)).toEqual({ operation: 'embeddings', params: ['gemini-embedding-001'] });
      expect(route('POST', `/${version}/models/gemini-embedding-001:batchEmbedContents`)).toEqual({ operation: 'embeddings', params: ['gemini-embedding-001'] });
      expect(route('GET', `/${version}/models`)).toEqual({ operation: 'models', params: [] });
      expect(route('GET', `/${version}/models/gemini-2.5-pro`)).toEqual({ operation: 'models', params: ['gemini-2.5-pro'] });
    }
  });

  it('anything else is not served: other methods, other collections, traversal, wrong verbs', () => {
    for (const [method, path] of [
      ['POST', '/v1beta/models/gemini-2.5-flash:predict'],
      ['POST', '/v1beta/models/gemini-2.5-flash:generateContentX'],
      ['POST', '/v1beta/models/gemini-2.5-flash'],
      ['GET', '/v1beta/models/gemini-2.5-flash:generateContent'],
      ['POST', '/v1beta/models/..:generateContent'],
      ['POST', '/v1beta/models/../files:generateContent'],
      ['POST', '/v1beta/models/a%2Fb:generateContent'],
      ['POST', '/v2/models/gemini-2.5-flash:generateContent'],
      ['GET', '/v1beta/cachedContents'],
      ['GET', '/v1beta/files'],
      ['POST', '/v1beta/tunedModels/my-model:generateContent'],
      ['DELETE', '/v1beta/models/gemini-2.5-flash'],
      ['GET', '/v1beta/models/'],
    ] as const) {
      expect(route(method, path), `${method} ${path}`).toBeNull();
    }
  });
});

describe('Gemini credentials', () => {
  it('takes the key from x-goog-api-key, else from ?key=; sends it upstream as x-goog-api-key; strips both', () => {
    expect(geminiAdapter.readCredential(new Headers({ 'x-goog-api-key': 'AIzaHeader' }), new URLSearchParams('key=AIzaQuery'))).toBe('AIzaHeader');
    expect(geminiAdapter.readCredential(new Headers(), new URLSearchParams('alt=sse&key=AIzaQuery'))).toBe('AIzaQuery');
    expect(geminiAdapter.readCredential(new Headers({ authorization: 'Bearer x' }), new URLSearchParams('key='))).toBeUndefined();
    expect(geminiAdapter.credentialHeader('AIzaKey')).toEqual(['x-goog-api-key', 'AIzaKey']);
    expect(geminiAdapter.credentialHeaders).toEqual(['x-goog-api-key']);
    expect(geminiAdapter.credentialQueryParams).toEqual(['key']);
    expect(geminiAdapter.requestStreamUsage('generate_content', {})).toBe(false);
  });
});

describe('Gemini errors', () => {
  it('errorResponse: Google\'s body with the canonical status name for each HTTP status', async () => {
    const cases: [number, string][] = [
      [400, 'INVALID_ARGUMENT'], [401, 'UNAUTHENTICATED'], [403, 'PERMISSION_DENIED'], [404, 'NOT_FOUND'], [413, 'INVALID_ARGUMENT'],
      [429, 'RESOURCE_EXHAUSTED'], [499, 'CANCELLED'], [500, 'INTERNAL'], [502, 'UNAVAILABLE'], [503, 'UNAVAILABLE'], [504, 'DEADLINE_EXCEEDED'],
    ];
    for (const [status, name] of cases) {
      const response = geminiAdapter.errorResponse(status, `m${status}`, 'x');
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(await response.json()).toEqual({ error: { code: status, message: `m${status}`, status: name } });
    }
    expect((await geminiAdapter.errorResponse(429, 'slow down', 'rate_limit', { 'retry-after': '3' })).headers.get('retry-after')).toBe('3');
  });

  it('the SDK raises its own ApiError from the proxy\'s error body, JSON and mid-stream alike', async () => {
    const answering = (response: () => Response) => new GoogleGenAI({ apiKey: 'AIzaTest', httpOptions: { fetch: async () => response() } });
    const json = await answering(() => geminiAdapter.errorResponse(404, 'Unknown request URL.', 'not_found_error')).models.generateContent({ model: 'm', contents: 'hi' }).catch((e: unknown) => e);
    expect(json).toBeInstanceOf(ApiError);
    expect((json as ApiError).status).toBe(404);
    expect((json as ApiError).message).toContain('Unknown request URL.');

    const event = geminiAdapter.streamErrorEvent('The upstream connection broke off mid-stream.', 'sse');
    expect(event).toBe('data: {"error":{"code":502,"message":"The upstream connection broke off mid-stream.","status":"UNAVAILABLE"}}\n\n');
    const stream = answering(() => new Response(`data: {"candidates":[{"content":{"parts":[{"text":"a"}],"role":"model"}}]}\n\n${event}`, { headers: { 'content-type': 'text/event-stream' } }));
    const seen: string[] = [];
    const error = await (async () => {
      for await (const chunk of await stream.models.generateContentStream({ model: 'm', contents: 'hi' })) seen.push(chunk.text ?? '');
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['a']);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(502);
    expect(JSON.parse(geminiAdapter.streamErrorEvent('x', 'ndjson'))).toEqual({ error: { code: 502, message: 'x', status: 'UNAVAILABLE' } });
  });
});
