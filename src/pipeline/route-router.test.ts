import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE_ID } from './route.js';
import { routeRouter } from './route-router.js';

const PROFILES: ReadonlySet<string> = new Set(['billing']);

describe('routeRouter', () => {
  it.each(['/router/chat/completions', '/model-router/chat/completions'])('%s is the router, in the default profile', (path) => {
    const result = routeRouter('POST', path, PROFILES);
    expect(result).toMatchObject({ kind: 'router', profileId: DEFAULT_PROFILE_ID, match: { nativePath: '/chat/completions', route: { operation: 'chat' } } });
  });
  it('/router/<proxyId>/chat/completions is the router in that profile', () => {
    expect(routeRouter('POST', '/router/billing/chat/completions', PROFILES)).toMatchObject({ kind: 'router', profileId: 'billing' });
  });
  it('any other router path is unknown, naming the one it serves', () => {
    expect(routeRouter('POST', '/router/responses', PROFILES)).toMatchObject({ kind: 'unknown-path', message: expect.stringContaining('POST /chat/completions') });
    expect(routeRouter('GET', '/router/chat/completions', PROFILES)).toMatchObject({ kind: 'unknown-path' });
  });
  it('leaves every other path to routePath', () => {
    expect(routeRouter('POST', '/openai/chat/completions', PROFILES)).toBeNull();
    expect(routeRouter('POST', '/routers/chat/completions', PROFILES)).toBeNull();
  });
});
