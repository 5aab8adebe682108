/**
 * The proxy the JWT tests share: keys made with jose, a local JWKS endpoint that counts its
 * fetches, and one proxy profile per behaviour of it (healthy, rotating, flaky, 500, 302,
 * hanging, garbage, down). Each profile has its own verifier, hence its own key-set cache.
 */
import { createServer } from 'node:http';
import { vi } from 'vitest';
import { createProxy, type Proxy } from '../../src/index.js';
import { nodeProxy } from '../../src/ways-in/node.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';
import { type JwksServer, type Listening, type SigningKey, type SignOptions, sign, signingKey, startCanary, startJwksServer } from './auth-servers.js';
import { chatBody, closedPort, rawRequest } from './proxy.js';
import { listen } from './way-in.js';

export const ISSUER = 'https://idp.example.test/';
export const AUDIENCE = 'archestra-proxy';
export const PROFILE_KEY = 'sk-proj-JWTPROFILEKEY-4b5c6d7e';
/** Key-set timeout of the `slow` and `lenient` profiles. */
export const SLOW_TIMEOUT_MS = 800;
/** Cooldown of the `rotate` and `flaky` profiles; the others have 60 s. */
export const SHORT_COOLDOWN_MS = 1_000;

/**
 * A profile's own provider keys. Every provider is listed because the schema's
 * `z.record(z.enum(...))` is exhaustive in zod 4 (KNOWN BUG in src/config/schema.ts: it should be
 * `z.partialRecord`); only OpenAI's key matters here.
 */
const PROFILE_PROVIDERS = {
  openai: { apiKey: PROFILE_KEY }, anthropic: { apiKey: 'sk-ant-unused' }, gemini: { apiKey: 'unused' }, vllm: { apiKey: 'unused' }, ollama: { apiKey: 'unused' },
};

export interface JwksFixture {
  up: ScriptedOpenAI;
  idp: JwksServer;
  canary: Listening;
  proxy: Proxy;
  /** The nodeProxy server's origin; the proxy is under `/v1`. */
  origin: string;
  /** k1 and es (ES256, not an allowed algorithm) are in the healthy key sets; k2 is the rotation target. */
  keys: { k1: SigningKey; k2: SigningKey; es: SigningKey; attacker: SigningKey; attackerSameKid: SigningKey };
  /** A token signed with `key` (k1 by default), remembered in `issued`. */
  token(options?: SignOptions, key?: SigningKey): Promise<string>;
  /** POST /openai/<profile>/chat/completions with the token as Bearer. */
  chat(profile: string, jwt: string, headers?: Record<string, string>): Promise<Response>;
  issued: string[];
  /** console.error / console.warn output. */
  printed: string[];
  close(): Promise<void>;
}

export async function startJwksFixture(): Promise<JwksFixture> {
  const printed: string[] = [];
  const spies = (['error', 'warn'] as const).map((method) => vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' '))));
  const [k1, k2, es, attacker, attackerSameKid] = await Promise.all([signingKey('k1'), signingKey('k2'), signingKey('e1', 'ES256'), signingKey('evil'), signingKey('k1')]);
  const up = await startOpenAIUpstream();
  const idp = await startJwksServer();
  const canary = await startCanary();
  for (const path of ['/jwt', '/storm', '/cold']) idp.set(path, { kind: 'keys', keys: [k1.jwk, es.jwk] });
  idp.set('/rotate', { kind: 'keys', keys: [k1.jwk] });
  idp.set('/flaky', { kind: 'status', status: 503 });
  idp.set('/500', { kind: 'status', status: 500 });
  idp.set('/302', { kind: 'redirect', location: `${canary.url}/jwks.json` });
  idp.set('/hang', { kind: 'hang' });
  idp.set('/hang-lenient', { kind: 'hang' });
  idp.set('/garbage', { kind: 'body', body: '<html>not a key set</html>' });
  idp.set('/not-a-set', { kind: 'body', body: '{"keys":"nope"}' });

  const jwks = (path: string, extra: Record<string, unknown> = {}) => ({
    url: `${idp.url}${path}`, issuer: ISSUER, audience: AUDIENCE, algorithms: ['RS256' as const], clockToleranceSeconds: 30, cooldownMs: 60_000, timeoutMs: 1_000, ...extra,
  });
  const profile = (path: string, extra: Record<string, unknown> = {}, auth: Record<string, unknown> = {}) => ({
    auth: { providerKeys: false, virtualKeys: false, jwks: jwks(path, extra), ...auth }, providers: PROFILE_PROVIDERS,
  });
  const proxy = createProxy({
    providers: { openai: { baseUrl: up.baseUrl } },
    auth: { providerKeys: false },
    profiles: {
      jwt: profile('/jwt'),
      email: profile('/jwt', { userClaim: 'email' }),
      storm: profile('/storm'),
      cold: profile('/cold'),
      rotate: profile('/rotate', { cooldownMs: SHORT_COOLDOWN_MS }),
      flaky: profile('/flaky', { cooldownMs: SHORT_COOLDOWN_MS }),
      broken: profile('/500'),
      redirect: profile('/302'),
      slow: profile('/hang', { timeoutMs: SLOW_TIMEOUT_MS }),
      garbage: profile('/garbage'),
      'not-a-set': profile('/not-a-set'),
      down: profile('/unused', { url: `http://127.0.0.1:${await closedPort()}/jwks` }),
      // Provider keys accepted too: a token that cannot be checked must still not pass as a key.
      lenient: profile('/hang-lenient', { timeoutMs: SLOW_TIMEOUT_MS }, { providerKeys: true }),
      nojwks: { auth: { providerKeys: false }, providers: PROFILE_PROVIDERS },
    },
  });
  const server = await listen(createServer(nodeProxy(proxy, { prefix: '/v1' })));
  const issued: string[] = [];
  return {
    up, idp, canary, proxy, origin: server.origin, keys: { k1, k2, es, attacker, attackerSameKid }, issued, printed,
    async token(options = {}, key = k1) {
      const jwt = await sign(key, { issuer: ISSUER, audience: AUDIENCE }, options);
      issued.push(jwt);
      return jwt;
    },
    chat: (profileId, jwt, headers = {}) =>
      proxy.handle(rawRequest(`/openai/${profileId}/chat/completions`, { body: chatBody(), headers: { authorization: `Bearer ${jwt}`, ...headers } })),
    async close() {
      await server.close();
      await proxy.close();
      await Promise.all([up.close(), idp.close(), canary.close()]);
      for (const spy of spies) spy.mockRestore();
    },
  };
}

/** Everything a token or key could leak into: the audit rows, the metrics, the console output. */
export async function exposedTexts(fixture: JwksFixture): Promise<Record<string, string>> {
  await fixture.proxy.flush();
  return {
    rows: JSON.stringify(await fixture.proxy.store.listInteractions({ limit: 100_000 })),
    metrics: await fixture.proxy.registry.metrics(),
    console: fixture.printed.join('\n'),
  };
}
