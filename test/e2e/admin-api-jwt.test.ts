/**
 * The admin API let in by a JWT of the configured identity provider (`auth.jwks`) carrying the
 * admin claim (`admin.jwtClaim`): with the claim 200, without it 403, a bad or expired token 401,
 * and a JWT in the query string refused. Real RS256 keys and a JWKS endpoint on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxy, type Proxy } from '../../src/index.js';
import { type JwksServer, type SigningKey, nowSeconds, sign, signingKey, startJwksServer } from '../helpers/auth-servers.js';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'archestra-admin';
const TOKEN = 'admin-token-0123456789abcdef';

describe('admin API: JWT with the admin claim', () => {
  let idp: JwksServer;
  let key: SigningKey;
  let attacker: SigningKey;
  let proxy: Proxy;
  let nested: Proxy;

  beforeAll(async () => {
    [key, attacker] = await Promise.all([signingKey('k1'), signingKey('k1')]);
    idp = await startJwksServer();
    idp.set('/jwks', { kind: 'keys', keys: [key.jwk] });
    const jwks = { url: `${idp.url}/jwks`, issuer: ISSUER, audience: AUDIENCE, algorithms: ['RS256' as const] };
    proxy = createProxy({ auth: { jwks }, admin: { token: TOKEN, jwtClaim: { claim: 'role', value: 'admin' } } });
    nested = createProxy({ auth: { jwks }, admin: { jwtClaim: { claim: 'realm_access.roles', value: 'proxy-admin' } } });
  });
  afterAll(async () => {
    await proxy.close();
    await nested.close();
    await idp.close();
  });

  const get = async (target: Proxy, bearer: string | null, path = 'profiles') => {
    const response = await target.handle(new Request(`http://proxy/admin/api/${path}`, { headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` } }));
    return { status: response.status, json: (await response.json()) as { error?: { message: string; field?: string } } };
  };
  const jwt = (claims: Record<string, unknown>, options: { exp?: number; signer?: SigningKey; audience?: string } = {}) =>
    sign(options.signer ?? key, { issuer: ISSUER, audience: options.audience ?? AUDIENCE }, { claims, ...(options.exp === undefined ? {} : { exp: options.exp }) });

  it('a JWT carrying the claim gets in; one without it is 403 naming the claim; the admin token still works', async () => {
    expect((await get(proxy, await jwt({ role: 'admin' }))).status).toBe(200);
    expect((await get(proxy, await jwt({ role: ['viewer', 'admin'] }), 'keys')).status).toBe(200);
    const without = await get(proxy, await jwt({ role: 'viewer' }));
    expect(without.status).toBe(403);
    expect(without.json.error?.message).toContain('"role" must be "admin"');
    expect((await get(proxy, await jwt({}))).status).toBe(403);
    expect((await get(proxy, TOKEN)).status).toBe(200);
  });

  it('a JWT that does not verify is 401: expired, another audience, signed by a key the identity provider does not have', async () => {
    for (const token of [await jwt({ role: 'admin' }, { exp: nowSeconds() - 3_600 }), await jwt({ role: 'admin' }, { audience: 'someone-else' }), await jwt({ role: 'admin' }, { signer: attacker })]) {
      expect((await get(proxy, token)).status).toBe(401);
    }
    expect((await get(proxy, 'not.a.jwt')).status).toBe(401);
    expect((await get(proxy, null)).status).toBe(401);
  });

  it('a JWT in the query string is refused, claim or not', async () => {
    const token = await jwt({ role: 'admin' });
    for (const name of ['access_token', 'jwt', 'token']) {
      const answer = await get(proxy, token, `profiles?${name}=${token}`);
      expect(answer.status).toBe(400);
      expect(answer.json.error).toMatchObject({ field: name, message: expect.stringContaining('query string') });
    }
  });

  it('a nested claim by dotted path; without a token configured only such a JWT gets in', async () => {
    expect((await get(nested, await jwt({ realm_access: { roles: ['proxy-admin'] } }))).status).toBe(200);
    expect((await get(nested, await jwt({ realm_access: { roles: ['user'] } }))).status).toBe(403);
    expect((await get(nested, await jwt({ 'realm_access.roles': 'proxy-admin' }))).status).toBe(403);
    expect((await get(nested, TOKEN)).status).toBe(401);
  });

  it('admin.jwtClaim without auth.jwks is a configuration error naming both', () => {
    expect(() => createProxy({ admin: { jwtClaim: { claim: 'role', value: 'admin' } } })).toThrow(/admin\.jwtClaim needs auth\.jwks/);
  });
});
