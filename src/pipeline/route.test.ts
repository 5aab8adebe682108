import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE_ID, type RouteResult, routeNative, routePath } from './route.js';
import { openaiAdapter } from '../providers/openai/index.js';
import { azureAdapter } from '../providers/azure/index.js';
import { openaiCompatibleAdapter } from '../providers/openai-compatible.js';

const PROFILES: ReadonlySet<string> = new Set(['support-bot', 'billing']);

/** The parts of a result a test compares: kind, provider, profile, operation and native path. */
function summary(result: RouteResult) {
  if (result.kind === 'unknown-provider') return { kind: result.kind };
  if (result.kind === 'unknown-path') return { kind: result.kind, provider: result.adapter.name, profileId: result.profileId };
  const { route, nativePath, params } = result.match;
  return { kind: result.kind, provider: result.adapter.name, profileId: result.profileId, operation: route.operation, nativePath, params };
}

describe('routePath: known paths', () => {
  const fineTuned = 'ft:gpt-4o-mini-2024-07-18:my-org:custom:abc123';
  const cases: { method: string; path: string; operation: string; nativePath: string; params?: string[]; provider?: string; profileId?: string }[] = [
    { method: 'POST', path: '/openai/chat/completions', operation: 'chat', nativePath: '/chat/completions' },
    { method: 'GET', path: '/openai/models', operation: 'models', nativePath: '/models' },
    { method: 'GET', path: '/openai/models/gpt-4o-mini', operation: 'models', nativePath: '/models/gpt-4o-mini', params: ['gpt-4o-mini'] },
    { method: 'GET', path: `/openai/models/${fineTuned}`, operation: 'models', nativePath: `/models/${fineTuned}`, params: [fineTuned] },
    { method: 'GET', path: '/openai/models/...', operation: 'models', nativePath: '/models/...', params: ['...'] },
    { method: 'POST', path: '/vllm/chat/completions', operation: 'chat', nativePath: '/chat/completions', provider: 'vllm' },
    { method: 'POST', path: '/openai/support-bot/chat/completions', operation: 'chat', nativePath: '/chat/completions', profileId: 'support-bot' },
    { method: 'GET', path: '/openai/billing/models', operation: 'models', nativePath: '/models', profileId: 'billing' },
    { method: 'GET', path: '/openai/billing/models/gpt-4o', operation: 'models', nativePath: '/models/gpt-4o', params: ['gpt-4o'], profileId: 'billing' },
    { method: 'POST', path: '/vllm/support-bot/chat/completions', operation: 'chat', nativePath: '/chat/completions', provider: 'vllm', profileId: 'support-bot' },
  ];

  it.each(cases)('$method $path', ({ method, path, operation, nativePath, params = [], provider = 'openai', profileId = DEFAULT_PROFILE_ID }) => {
    expect(summary(routePath(method, path, PROFILES))).toEqual({ kind: 'match', provider, profileId, operation, nativePath, params });
  });

  it('marks which operations carry a body', () => {
    const chat = routePath('POST', '/openai/chat/completions', PROFILES);
    const models = routePath('GET', '/openai/models', PROFILES);
    expect(chat.kind === 'match' && chat.match.route.hasBody).toBe(true);
    expect(models.kind === 'match' && models.match.route.hasBody).toBe(false);
  });
});

describe('routePath: unknown provider', () => {
  it.each([
    '/',
    '',
    'openai/chat/completions',
    '/nope/chat/completions',
    '/OpenAI/chat/completions',
    '/constructor/chat/completions',
    '/__proto__/chat/completions',
    '/toString/models',
    '//openai/chat/completions',
    '/v1/openai/chat/completions',
    '/support-bot/openai/chat/completions',
  ])('%j', (path) => {
    const result = routePath('POST', path, PROFILES);
    expect(result.kind).toBe('unknown-provider');
    if (result.kind === 'unknown-provider') expect(result.message).toMatch(/openai, .*vllm/);
  });

  it('keeps a huge path out of the message', () => {
    const result = routePath('GET', `/${'x'.repeat(10_000)}`, PROFILES);
    expect(result.kind === 'unknown-provider' && result.message.length).toBeLessThan(400);
  });
});

describe('routePath: unknown native path (404, never a pass-through)', () => {
  const cases: { name: string; method: string; path: string; profileId?: string }[] = [
    { name: 'provider alone', method: 'GET', path: '/openai' },
    { name: 'provider and trailing slash', method: 'GET', path: '/openai/' },
    { name: 'an API the adapter does not list', method: 'POST', path: '/openai/fine_tuning/jobs' },
    { name: 'a files path', method: 'GET', path: '/openai/files/file-abc' },
    { name: 'the wrong method', method: 'GET', path: '/openai/chat/completions' },
    { name: 'DELETE on a listed path', method: 'DELETE', path: '/openai/models/gpt-4o' },
    { name: 'lower-case method', method: 'post', path: '/openai/chat/completions' },
    { name: 'trailing slash', method: 'POST', path: '/openai/chat/completions/' },
    { name: 'an extra segment', method: 'POST', path: '/openai/chat/completions/x' },
    { name: 'a v1 prefix (the SDK base URL is the mount, not /v1)', method: 'POST', path: '/openai/v1/chat/completions' },
    { name: 'case differs', method: 'POST', path: '/openai/Chat/Completions' },
    { name: '"//" after the provider', method: 'POST', path: '/openai//chat/completions' },
    { name: '"//" inside the native path', method: 'POST', path: '/openai/chat//completions' },
    { name: '"//" after the profile', method: 'POST', path: '/openai/support-bot//chat/completions', profileId: 'support-bot' },
    { name: 'a profile with no path', method: 'GET', path: '/openai/support-bot', profileId: 'support-bot' },
    { name: 'two profiles', method: 'GET', path: '/openai/support-bot/billing/models', profileId: 'support-bot' },
    { name: 'a profile id that is not configured falls to native routing', method: 'POST', path: '/openai/other-bot/chat/completions' },
    { name: '"default" is not a path segment', method: 'POST', path: '/openai/default/chat/completions' },
    { name: 'a model id that is empty', method: 'GET', path: '/openai/models/' },
    { name: 'a model id that is ".."', method: 'GET', path: '/openai/models/..' },
    { name: 'a model id that is "."', method: 'GET', path: '/openai/models/.' },
    { name: '".." followed by more segments', method: 'GET', path: '/openai/models/../../admin' },
    { name: '".." instead of a native segment', method: 'POST', path: '/openai/../chat/completions' },
    { name: 'an encoded "..": %2e%2e', method: 'GET', path: '/openai/models/%2e%2e' },
    { name: 'an encoded "..": %2E%2E', method: 'GET', path: '/openai/models/%2E%2E' },
    { name: 'a half-encoded "..": .%2e', method: 'GET', path: '/openai/models/.%2e' },
    { name: 'an encoded slash', method: 'GET', path: '/openai/models/a%2Fb' },
    { name: 'an encoded backslash', method: 'GET', path: '/openai/models/a%5Cb' },
    { name: 'a backslash', method: 'GET', path: '/openai/models/a\\b' },
    { name: 'an encoded NUL', method: 'GET', path: '/openai/models/a%00b' },
    { name: 'a query-like model id', method: 'GET', path: '/openai/models/a?b=c' },
    { name: 'a space in the model id', method: 'GET', path: '/openai/models/gpt 4o' },
    { name: 'non-ASCII in the model id', method: 'GET', path: '/openai/models/gpt-4ö' },
    { name: 'a model id over 256 characters', method: 'GET', path: `/openai/models/${'m'.repeat(257)}` },
  ];

  it.each(cases)('$name: $method $path', ({ method, path, profileId = DEFAULT_PROFILE_ID }) => {
    const result = routePath(method, path, PROFILES);
    expect(summary(result)).toEqual({ kind: 'unknown-path', provider: path.startsWith('/vllm') ? 'vllm' : 'openai', profileId });
    if (result.kind === 'unknown-path') {
      expect(result.message).toContain('openai');
      expect(result.message.length).toBeLessThan(400);
    }
  });

  it('accepts a model id of exactly 256 characters', () => {
    expect(routePath('GET', `/openai/models/${'m'.repeat(256)}`, PROFILES).kind).toBe('match');
  });
});

describe('routeNative (in-process: a path relative to the upstream base URL)', () => {
  it('routes segments with the given profile', () => {
    expect(summary(routeNative(openaiAdapter, 'POST', ['chat', 'completions'], 'support-bot'))).toEqual({
      kind: 'match', provider: 'openai', profileId: 'support-bot', operation: 'chat', nativePath: '/chat/completions', params: [],
    });
  });

  it.each([[['chat', '', 'completions']], [['models', '..']], [['models', '%2e%2e']], [[]], [['']]])('refuses %j', (segments) => {
    expect(routeNative(openaiAdapter, 'GET', segments, DEFAULT_PROFILE_ID).kind).toBe('unknown-path');
  });
});

describe('routePath: the providers a configuration serves', () => {
  const served = new Map([
    ['openai', { adapter: openaiAdapter }],
    ['azure', { adapter: azureAdapter() }],
    ['groq', { adapter: openaiCompatibleAdapter('groq', true) }],
  ]);
  const profiles: ReadonlySet<string> = new Set(['openai', 'support-bot']);

  it.each([
    ['POST', '/groq/chat/completions', { kind: 'match', provider: 'groq', profileId: DEFAULT_PROFILE_ID, operation: 'chat', nativePath: '/chat/completions', params: [] }],
    ['POST', '/groq/support-bot/responses', { kind: 'match', provider: 'groq', profileId: 'support-bot', operation: 'responses', nativePath: '/responses', params: [] }],
    // A profile named like the start of Azure's paths: the native reading wins when it is one.
    ['POST', '/azure/openai/deployments/prod/chat/completions', { kind: 'match', provider: 'azure', profileId: DEFAULT_PROFILE_ID, operation: 'chat', nativePath: '/openai/deployments/prod/chat/completions', params: ['prod'] }],
    ['POST', '/azure/openai/openai/deployments/prod/chat/completions', { kind: 'match', provider: 'azure', profileId: 'openai', operation: 'chat', nativePath: '/openai/deployments/prod/chat/completions', params: ['prod'] }],
    ['POST', '/azure/openai/v1/responses', { kind: 'match', provider: 'azure', profileId: DEFAULT_PROFILE_ID, operation: 'responses', nativePath: '/openai/v1/responses', params: [] }],
    ['GET', '/azure/openai/responses/resp_1', { kind: 'match', provider: 'azure', profileId: DEFAULT_PROFILE_ID, operation: 'responses.retrieve', nativePath: '/openai/responses/resp_1', params: [''] }],
    // Neither reading matches: the profile's, as for any path under a profile id.
    ['POST', '/azure/openai/deployments/prod/images/generations', { kind: 'unknown-path', provider: 'azure', profileId: 'openai' }],
    ['POST', '/groq/support-bot/nope', { kind: 'unknown-path', provider: 'groq', profileId: 'support-bot' }],
  ] as const)('%s %s', (method, path, expected) => {
    expect(summary(routePath(method, path, profiles, served))).toEqual(expected);
  });

  it.each(['/mistral/chat/completions', '/__proto__/chat/completions', '/hasOwnProperty/models'])('%s: no such provider, the served ones named', (path) => {
    const result = routePath('POST', path, profiles, served);
    expect(result.kind).toBe('unknown-provider');
    if (result.kind === 'unknown-provider') expect(result.message).toMatch(/one of: openai, azure, groq\.$/);
  });
});
