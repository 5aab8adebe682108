import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { routeNative, routePath } from '../../pipeline/route.js';
import { anthropicAdapter } from './index.js';

describe('anthropic adapter: routes (through the real router)', () => {
  it.each([
    ['POST', '/anthropic/v1/messages', 'chat', '/v1/messages', []],
    ['POST', '/anthropic/v1/messages/count_tokens', 'count_tokens', '/v1/messages/count_tokens', []],
    ['GET', '/anthropic/v1/models', 'models', '/v1/models', []],
    ['GET', '/anthropic/v1/models/claude-sonnet-4-6', 'models', '/v1/models/claude-sonnet-4-6', ['claude-sonnet-4-6']],
    ['POST', '/anthropic/support-bot/v1/messages', 'chat', '/v1/messages', []],
  ])('%s %s -> %s', (method, path, operation, nativePath, params) => {
    const result = routePath(method, path, new Set(['support-bot']));
    expect(result.kind).toBe('match');
    if (result.kind !== 'match') return;
    expect(result.adapter.name).toBe('anthropic');
    expect(result.match).toMatchObject({ route: { operation }, nativePath, params });
  });

  it.each([
    ['GET', ['v1', 'messages']],
    ['POST', ['v1', 'complete']],
    ['POST', ['v1', 'messages', 'batches']],
    ['GET', ['v1', 'models', '..']],
    ['POST', ['messages']],
    ['GET', ['v1', 'files']],
  ])('%s /%s is not served: unknown path', (method, segments) => {
    expect(routeNative(anthropicAdapter, method, segments, 'default').kind).toBe('unknown-path');
  });
});

describe('anthropic adapter: credentials', () => {
  const read = (headers: Record<string, string>) => anthropicAdapter.readCredential(new Headers(headers), new URLSearchParams());

  it('reads x-api-key (0.x SDKs, curl) and Authorization: Bearer (1.x SDK); x-api-key wins when both are sent', () => {
    expect(read({ 'x-api-key': 'sk-ant-api03-abc' })).toBe('sk-ant-api03-abc');
    expect(read({ authorization: 'Bearer sk-ant-api03-def' })).toBe('sk-ant-api03-def');
    expect(read({ 'x-api-key': 'sk-ant-api03-abc', authorization: 'Bearer other' })).toBe('sk-ant-api03-abc');
    expect(read({})).toBeUndefined();
    expect(read({ 'x-api-key': '  ' })).toBeUndefined();
    expect(read({ authorization: 'Basic c2stYW50' })).toBeUndefined();
    expect(read({ authorization: 'Bearer ' })).toBeUndefined();
  });

  it('sends an API key upstream as x-api-key, an OAuth access token as a bearer token; both client headers are stripped', () => {
    expect(anthropicAdapter.credentialHeader('sk-ant-api03-abc')).toEqual(['x-api-key', 'sk-ant-api03-abc']);
    expect(anthropicAdapter.credentialHeader('sk-ant-oat01-xyz')).toEqual(['authorization', 'Bearer sk-ant-oat01-xyz']);
    expect([...anthropicAdapter.credentialHeaders].sort()).toEqual(['authorization', 'x-api-key']);
    expect(anthropicAdapter.credentialHeaders).not.toContain('anthropic-version');
    expect(anthropicAdapter.credentialHeaders).not.toContain('anthropic-beta');
    expect(anthropicAdapter.requiresCredential).toBe(true);
  });
});

describe('anthropic adapter: errors in Anthropic shape', () => {
  it.each([
    [400, 'invalid_request_error', 'invalid_request_error', Anthropic.BadRequestError],
    [401, 'authentication_error', 'authentication_error', Anthropic.AuthenticationError],
    [403, 'invalid_request_error', 'permission_error', Anthropic.PermissionDeniedError],
    [404, 'not_found_error', 'not_found_error', Anthropic.NotFoundError],
    [413, 'invalid_request_error', 'request_too_large', Anthropic.ContentTooLargeError],
    [429, 'rate_limit_error', 'rate_limit_error', Anthropic.RateLimitError],
    [500, 'proxy_error', 'api_error', Anthropic.InternalServerError],
    [502, 'upstream_error', 'api_error', Anthropic.InternalServerError],
    [504, 'upstream_error', 'timeout_error', Anthropic.GatewayTimeoutError],
    [529, 'upstream_error', 'overloaded_error', Anthropic.OverloadedError],
    [422, 'rate_limit_error', 'rate_limit_error', Anthropic.UnprocessableEntityError],
    [418, 'something_else', 'invalid_request_error', Anthropic.APIError],
    [503, 'upstream_error', 'api_error', Anthropic.ServiceUnavailableError],
  ])('%i with core type %s -> %s, raised by the SDK as its own class', async (status, coreType, anthropicType, ErrorClass) => {
    const response = anthropicAdapter.errorResponse(status, 'Something went wrong.', coreType);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = await response.json();
    expect(body).toEqual({ type: 'error', error: { type: anthropicType, message: 'Something went wrong.' } });
    const error = Anthropic.APIError.generate(status, body, undefined, response.headers);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toMatchObject({ type: anthropicType, apiMessage: 'Something went wrong.' });
    // Refusals are final: 4xx other than 408/409/429 tell the SDK not to retry.
    if (status >= 400 && status < 500 && status !== 429) expect(response.headers.get('x-should-retry')).toBe('false');
  });

  it('extra headers are kept', () => {
    expect(anthropicAdapter.errorResponse(429, 'slow down', 'rate_limit_error', { 'retry-after': '3' }).headers.get('retry-after')).toBe('3');
  });

  it('the stream error event is a named SSE `error` event with an api_error body', () => {
    const event = anthropicAdapter.streamErrorEvent('The upstream connection broke off mid-stream.', 'sse');
    expect(event).toBe('event: error\ndata: {"type":"error","error":{"type":"api_error","message":"The upstream connection broke off mid-stream."}}\n\n');
  });

  it('asks nothing extra for stream usage (Anthropic always reports it) and takes no body for models', () => {
    expect(anthropicAdapter.requestStreamUsage('chat', { model: 'm', messages: [], stream: true })).toBe(false);
    expect(anthropicAdapter.flagsToolCallEvents).toBe(true);
    const match = { route: anthropicAdapter.routes[2]!, params: [], nativePath: '/v1/models' };
    expect(anthropicAdapter.decodeRequest(match, {}, new URLSearchParams())).toMatchObject({ success: false });
  });
});
