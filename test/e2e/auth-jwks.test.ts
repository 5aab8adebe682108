/**
 * JWTs verified against a JWKS (SECURITY-TESTS.md A9, A10 and the JWT happy path): keys made with
 * jose, served by a local JWKS endpoint; the upstream gets the profile's configured key, the row
 * gets the token's user, and a forged or out-of-date token is a 401 that never reaches upstream.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProxyFetch } from '../../src/index.js';
import { AUDIENCE, ISSUER, type JwksFixture, PROFILE_KEY, exposedTexts, startJwksFixture } from '../helpers/auth-jwks-fixture.js';
import { type SignOptions, b64url, nowSeconds, signRs256Raw } from '../helpers/auth-servers.js';
import { auditRows, chatBody, rawChat, rawRequest } from '../helpers/proxy.js';

let f: JwksFixture;
beforeAll(async () => {
  f = await startJwksFixture();
});
beforeEach(() => f.up.reset());
afterAll(() => f?.close());

describe('JWT happy path', () => {
  it('sub becomes the row user id (over X-Archestra-User-Id); the upstream gets the profile key, never the token', async () => {
    const jwt = await f.token({ subject: 'user-42' });
    const response = await f.chat('jwt', jwt, { 'x-archestra-user-id': 'someone-else', 'x-archestra-agent-id': 'agent-7' });
    expect(response.status).toBe(200);
    expect(f.up.requests).toHaveLength(1);
    expect(f.up.requests[0]!.headers.authorization).toBe(`Bearer ${PROFILE_KEY}`);
    expect(JSON.stringify(f.up.requests)).not.toContain(jwt);
    expect((await auditRows(f.proxy)).at(-1)).toMatchObject({ proxyId: 'jwt', userId: 'user-42', agentId: 'agent-7', authMethod: 'jwt', virtualKeyId: null, status: 200 });
  });

  it('the OpenAI SDK sends the token as its API key: in-process and through nodeProxy, streaming too', async () => {
    const jwt = await f.token({ subject: 'sdk-user' });
    const inProcess = new OpenAI({ apiKey: jwt, baseURL: f.up.baseUrl, maxRetries: 0, fetch: createProxyFetch(f.proxy, { proxyId: 'jwt', userId: 'claimed' }) });
    const overSocket = new OpenAI({ apiKey: jwt, baseURL: `${f.origin}/v1/openai/jwt`, maxRetries: 0 });
    for (const client of [inProcess, overSocket]) {
      expect((await client.chat.completions.create({ model: 'gpt-4o-mini', messages: chatBody().messages })).choices[0]!.message.content).toBe('Hello from the scripted upstream.');
      let text = '';
      for await (const chunk of await client.chat.completions.create({ model: 'gpt-4o-mini', messages: chatBody().messages, stream: true })) text += chunk.choices[0]?.delta.content ?? '';
      expect(text).toBe('Hello from the scripted upstream.');
    }
    expect(f.up.requests.map((request) => request.headers.authorization)).toEqual(Array(4).fill(`Bearer ${PROFILE_KEY}`));
    expect((await auditRows(f.proxy)).slice(-4).map((row) => row.userId)).toEqual(Array(4).fill('sdk-user'));
    const refused = new OpenAI({ apiKey: await f.token({ exp: nowSeconds() - 3_600 }), baseURL: `${f.origin}/v1/openai/jwt`, maxRetries: 0 });
    await expect(refused.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('the configured claim names the user; x-api-key carries a token like Authorization does; an audience list is fine', async () => {
    expect((await f.chat('email', await f.token({ claims: { email: 'ada@example.test' } }))).status).toBe(200);
    expect((await auditRows(f.proxy)).at(-1)).toMatchObject({ proxyId: 'email', userId: 'ada@example.test' });
    const jwt = await f.token({ audience: ['other-service', AUDIENCE] });
    expect((await f.chat('jwt', jwt)).status).toBe(200);
    for (const headers of [{ 'x-api-key': jwt }, { 'api-key': jwt }] as Record<string, string>[]) {
      expect((await f.proxy.handle(rawRequest('/openai/jwt/models', { headers }))).status).toBe(200);
    }
  });

  it('a token is refused where no JWKS is configured, and a virtual key where virtual keys are off', async () => {
    const jwt = await f.token();
    expect((await f.chat('nojwks', jwt)).status).toBe(401);
    expect((await f.proxy.handle(rawChat(chatBody(), { authorization: `Bearer ${jwt}` }))).status).toBe(401);
    expect((await f.chat('jwt', `arch_${'k'.repeat(43)}`)).status).toBe(401);
    expect(f.up.requests).toHaveLength(0);
  });
});

describe('A9: forged tokens', () => {
  it('alg none/None/NONE, HS256 keyed with the RSA public PEM, stripped or swapped signature, tampered payload, foreign key, disallowed alg: 401 each', async () => {
    const good = await f.token({ subject: 'user-42' });
    const [header, payload, signature] = good.split('.') as [string, string, string];
    const other = (await f.token({ subject: 'someone' })).split('.');
    const claims = { iss: ISSUER, aud: AUDIENCE, sub: 'admin', exp: nowSeconds() + 300 };
    const { SignJWT } = await import('jose');
    const hs256 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'JWT' }).sign(new TextEncoder().encode(f.keys.k1.pem));
    const forged: [string, string][] = [
      ...['none', 'None', 'NONE', 'nOnE'].map((alg) => [`alg ${alg}`, `${b64url({ alg, typ: 'JWT', kid: 'k1' })}.${b64url(claims)}.`] as [string, string]),
      ['alg none, signature kept', `${b64url({ alg: 'none', kid: 'k1' })}.${payload}.${signature}`],
      ['HS256 with the public PEM as secret', hs256],
      ['stripped signature', `${header}.${payload}.`],
      ['signature of another token', `${header}.${payload}.${other[2]}`],
      ['tampered payload', `${header}.${b64url({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'admin' })}.${signature}`],
      ['signed by a key with the same kid', await f.token({ subject: 'admin' }, f.keys.attackerSameKid)],
      ['signed by a key not in the set', await f.token({ subject: 'admin' }, f.keys.attacker)],
      ['ES256: in the set, not in the allowed algorithms', await f.token({}, f.keys.es)],
      ['unknown crit header', await signRs256Raw(f.keys.k1, { alg: 'RS256', kid: 'k1', crit: ['x-archestra'], 'x-archestra': 1 }, claims)],
      ['two segments', `${header}.${payload}`],
    ];
    for (const [name, jwt] of forged) {
      const response = await f.chat('jwt', jwt);
      expect(response.status, name).toBe(401);
      expect(((await response.json()) as { error: { type: string } }).error.type, name).toBe('authentication_error');
    }
    expect(f.up.requests).toHaveLength(0);
    expect((await f.chat('jwt', good)).status).toBe(200);
    // The raw signer itself is sound: without `crit`, its token passes.
    expect((await f.chat('jwt', await signRs256Raw(f.keys.k1, { alg: 'RS256', kid: 'k1' }, { ...claims, sub: 'raw' }))).status).toBe(200);
  });
});

describe('A10: claims', () => {
  it('missing exp, expired, not yet valid, wrong or missing aud/iss -> 401; inside the 30 s tolerance accepted, just outside refused', async () => {
    const now = nowSeconds();
    const refused: [string, SignOptions][] = [
      ['no exp', { exp: null }],
      ['exp an hour ago', { exp: now - 3_600 }],
      ['exp just outside tolerance', { exp: now - 45 }],
      ['nbf an hour ahead', { nbf: now + 3_600 }],
      ['nbf just outside tolerance', { nbf: now + 45 }],
      ['wrong aud', { audience: 'someone-else' }],
      ['no aud', { audience: null }],
      ['wrong iss', { issuer: 'https://evil.example.test/' }],
      ['no iss', { issuer: null }],
      ['iss differing by a trailing slash', { issuer: ISSUER.slice(0, -1) }],
    ];
    for (const [name, options] of refused) expect((await f.chat('jwt', await f.token(options))).status, name).toBe(401);
    expect(f.up.requests).toHaveLength(0);
    const accepted: [string, SignOptions][] = [
      ['exp inside tolerance', { exp: now - 15 }],
      ['nbf inside tolerance', { nbf: now + 15 }],
    ];
    for (const [name, options] of accepted) expect((await f.chat('jwt', await f.token(options))).status, name).toBe(200);
  });
});

describe('no token leaks', () => {
  it('no JWT or provider key in any audit row, metric or console line', async () => {
    const places = await exposedTexts(f);
    expect(f.issued.length).toBeGreaterThan(20);
    for (const [where, text] of Object.entries(places)) {
      expect(text.includes(PROFILE_KEY), `profile key in ${where}`).toBe(false);
      for (const jwt of f.issued) expect(text.includes(jwt.split('.')[2]!) || text.includes(jwt), `a token in ${where}`).toBe(false);
    }
  });
});
