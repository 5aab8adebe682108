/**
 * JWKS abuse and identity-provider failure (SECURITY-TESTS.md A7, A11): unknown-kid bursts,
 * tokens naming their own keys, a JWKS that redirects, fails, hangs or is down, and key rotation.
 * The local JWKS endpoint counts its fetches per path; a canary counts any hit at all.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type JwksFixture, PROFILE_KEY, SHORT_COOLDOWN_MS, SLOW_TIMEOUT_MS, exposedTexts, startJwksFixture } from '../helpers/auth-jwks-fixture.js';

let f: JwksFixture;
beforeAll(async () => {
  f = await startJwksFixture();
});
beforeEach(() => f.up.reset());
afterAll(() => f?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('A11: JWKS abuse', () => {
  it('100 concurrent unknown kids: at most one refetch per cooldown (warm cache and cold start)', async () => {
    expect((await f.chat('storm', await f.token())).status).toBe(200);
    expect(f.idp.hits('/storm')).toBe(1);
    const unknown = await f.token({}, f.keys.attacker);
    const statuses = await Promise.all(Array.from({ length: 100 }, () => f.chat('storm', unknown).then((response) => response.status)));
    expect(new Set(statuses)).toEqual(new Set([401]));
    expect(f.idp.hits('/storm')).toBeLessThanOrEqual(2);
    const cold = await Promise.all(Array.from({ length: 100 }, () => f.chat('cold', unknown).then((response) => response.status)));
    expect(new Set(cold)).toEqual(new Set([401]));
    expect(f.idp.hits('/cold')).toBeLessThanOrEqual(2);
  });

  it('a token naming its own keys (jku, jwk, x5u) -> the canary is never fetched and the token is refused', async () => {
    const headers = { jku: `${f.canary.url}/jwks.json`, jwk: f.keys.attacker.jwk, x5u: `${f.canary.url}/cert.pem` };
    for (const [key, kid] of [[f.keys.attacker, 'evil'], [f.keys.attacker, 'k1'], [f.keys.attackerSameKid, 'k1']] as const) {
      expect((await f.chat('jwt', await f.token({ header: { ...headers, kid } }, key))).status).toBe(401);
    }
    expect(f.canary.requests).toHaveLength(0);
    expect(f.up.requests).toHaveLength(0);
  });

  it('rotation: a new kid is refused during the cooldown, accepted after the refetch; the retired key then fails', async () => {
    expect((await f.chat('rotate', await f.token())).status).toBe(200);
    expect(f.idp.hits('/rotate')).toBe(1);
    f.idp.set('/rotate', { kind: 'keys', keys: [f.keys.k2.jwk] });
    const rotated = await f.token({}, f.keys.k2);
    expect((await f.chat('rotate', rotated)).status).toBe(401);
    expect(f.idp.hits('/rotate')).toBe(1);
    await sleep(SHORT_COOLDOWN_MS + 100);
    expect((await f.chat('rotate', rotated)).status).toBe(200);
    expect(f.idp.hits('/rotate')).toBe(2);
    expect((await f.chat('rotate', await f.token())).status).toBe(401);
    expect(f.idp.hits('/rotate')).toBe(2);
  });
});

describe('A7 + A11: the identity provider fails', () => {
  it('302 is not followed (canary untouched); 302, 500, HTML, not-a-key-set, refused -> 503 or 401, never 2xx; one fetch per cooldown', async () => {
    const jwt = await f.token();
    for (const profile of ['redirect', 'broken', 'garbage', 'not-a-set', 'down']) {
      for (let attempt = 0; attempt < 20; attempt++) expect([401, 503], profile).toContain((await f.chat(profile, jwt)).status);
    }
    for (const path of ['/302', '/500', '/garbage', '/not-a-set']) expect(f.idp.hits(path), path).toBe(1);
    expect(f.canary.requests).toHaveLength(0);
    expect(f.up.requests).toHaveLength(0);
  });

  it('a JWKS that never answers -> 503 within the timeout; 100 concurrent share one fetch; even where provider keys pass', async () => {
    const jwt = await f.token();
    const started = Date.now();
    const statuses = await Promise.all(Array.from({ length: 100 }, () => f.chat('slow', jwt).then((response) => response.status)));
    expect(Date.now() - started).toBeLessThan(SLOW_TIMEOUT_MS + 2_700);
    expect(new Set(statuses)).toEqual(new Set([503]));
    // Within the cooldown the next requests do not wait for another timeout.
    const again = Date.now();
    expect((await f.chat('slow', jwt)).status).toBe(503);
    expect(Date.now() - again).toBeLessThan(SLOW_TIMEOUT_MS);
    expect(f.idp.hits('/hang')).toBe(1);
    expect((await f.chat('lenient', jwt)).status).toBe(503);
    expect((await f.chat('lenient', 'sk-proj-a-real-provider-key')).status).toBe(200);
    expect(f.up.requests).toHaveLength(1);
    expect(f.up.requests[0]!.headers.authorization).toBe('Bearer sk-proj-a-real-provider-key');
  });

  it('recovery: once the cooldown after a failure has passed, the key set is fetched again and tokens pass', async () => {
    const jwt = await f.token();
    expect((await f.chat('flaky', jwt)).status).toBe(503);
    f.idp.set('/flaky', { kind: 'keys', keys: [f.keys.k1.jwk] });
    expect((await f.chat('flaky', jwt)).status).toBe(503);
    expect(f.idp.hits('/flaky')).toBe(1);
    await sleep(SHORT_COOLDOWN_MS + 100);
    expect((await f.chat('flaky', jwt)).status).toBe(200);
    expect(f.idp.hits('/flaky')).toBe(2);
  });
});

describe('no token leaks', () => {
  it('no JWT or provider key in any audit row, metric or console line', async () => {
    const places = await exposedTexts(f);
    expect(f.issued.length).toBeGreaterThan(5);
    for (const [where, text] of Object.entries(places)) {
      expect(text.includes(PROFILE_KEY), `profile key in ${where}`).toBe(false);
      for (const jwt of f.issued) expect(text.includes(jwt.split('.')[2]!) || text.includes(jwt), `a token in ${where}`).toBe(false);
    }
  });
});
