/**
 * Authentication end to end (SECURITY-TESTS.md A1, A2, A4, A5, A12, A13): a proxy that refuses
 * provider keys and takes virtual keys only, driven in-process (`proxy.handle`) and over a real
 * socket (`nodeProxy` on 127.0.0.1). A refusal is a 401/403 in the provider's error shape and the
 * upstream never hears of it.
 */
import { createServer } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProxy, type Proxy } from '../../src/index.js';
import { providerAdapters } from '../../src/providers/registry.js';
import type { OperationRoute } from '../../src/providers/types.js';
import { nodeProxy } from '../../src/ways-in/node.js';
import { type AuthFixture, CONFIGURED_KEY, LOCKED_PROFILE, OPENAI_SECRET, fixtureSecrets, startAuthFixture } from '../helpers/auth-fixture.js';
import { rawHttp } from '../helpers/auth-servers.js';
import { auditRows, chatBody, rawChat, rawRequest } from '../helpers/proxy.js';
import { listen } from '../helpers/way-in.js';

let f: AuthFixture;
beforeAll(async () => {
  f = await startAuthFixture();
});
beforeEach(() => f.reset());
afterAll(() => f.close());

const UNKNOWN_VIRTUAL_KEY = `arch_${'Q'.repeat(43)}`;
const BODY = JSON.stringify(chatBody());

/** Sample values for a route's pattern segments (model ids, Gemini's `model:method`). */
const SAMPLES = ['gpt-4o-mini', 'gemini-2.0-flash:generateContent', 'gemini-2.0-flash:streamGenerateContent', 'gemini-2.0-flash:countTokens', 'gemini-2.0-flash:embedContent'];

/** Every route of every registered adapter, as a concrete method and mount-relative path. */
function everyRoute(profile?: string): { method: string; path: string; matched: boolean }[] {
  return Object.values(providerAdapters).flatMap((adapter) =>
    adapter!.routes.map((route: OperationRoute) => {
      let matched = true;
      const segments = route.segments.map((segment) => {
        if (typeof segment === 'string') return segment;
        const sample = SAMPLES.find((candidate) => segment.test(candidate));
        if (sample === undefined) matched = false;
        return sample ?? 'gpt-4o-mini';
      });
      return { method: route.method, path: `/${[adapter!.name, ...(profile ? [profile] : []), ...segments].join('/')}`, matched };
    }),
  );
}

async function expectRefusedInOpenAIShape(response: Response, status: 401 | 403): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('x-should-retry')).toBe('false');
  const body = (await response.json()) as { error: { type: string; message: string } };
  expect(body.error.type).toBe(status === 401 ? 'authentication_error' : 'permission_error');
  expect(body.error.message).toEqual(expect.any(String));
}

describe('A1: missing or empty credential on a virtual-key-only proxy', () => {
  const cases: [string, Record<string, string>][] = [
    ['no Authorization', {}],
    ['"Bearer " with nothing after it', { authorization: 'Bearer ' }],
    ['"Bearer" alone', { authorization: 'Bearer' }],
    ['garbage bearer', { authorization: 'Bearer garbage-token' }],
    ['a scheme other than Bearer', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['a bare value', { authorization: 'sk-proj-abc' }],
    ['a provider key (refused: providerKeys is false)', { authorization: 'Bearer sk-proj-client-own-key-123' }],
    ['the configured key itself', { authorization: `Bearer ${CONFIGURED_KEY}` }],
    ['an empty x-api-key', { 'x-api-key': '' }],
    ['a provider key in x-api-key', { 'x-api-key': 'sk-proj-client-own-key-123' }],
  ];

  it.each(cases)('%s -> 401 in OpenAI error shape; the upstream gets nothing; the row says rejected', async (_name, headers) => {
    await expectRefusedInOpenAIShape(await f.proxy.handle(rawChat(chatBody(), headers)), 401);
    expect(f.upstreamHits()).toBe(0);
    const row = (await auditRows(f.proxy)).at(-1)!;
    expect(row).toMatchObject({ status: 401, outcome: 'rejected', authMethod: null, virtualKeyId: null, provider: 'openai' });
  });

  it('the same over a real socket, and the configured key never stands in for a missing one', async () => {
    for (const [, headers] of cases) {
      const response = await rawHttp(f.origin, '/v1/openai/chat/completions', { body: BODY, headers });
      expect(response.status, JSON.stringify(headers)).toBe(401);
      expect(response.body).not.toContain(CONFIGURED_KEY);
    }
    expect(f.upstreamHits()).toBe(0);
  });
});

describe('A2: fail-closed configuration (no provider keys, no virtual keys issued, no JWKS)', () => {
  let proxy: Proxy;
  let origin: string;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    const base = f.up.baseUrl;
    proxy = createProxy({
      providers: { openai: { baseUrl: base }, anthropic: { baseUrl: f.up.url }, vllm: { baseUrl: base }, ollama: { baseUrl: f.up.url }, gemini: { baseUrl: f.up.url } },
      auth: { providerKeys: false },
      profiles: { strict: { auth: { providerKeys: false } } },
    });
    const server = await listen(createServer(nodeProxy(proxy, { prefix: '/v1' })));
    origin = server.origin;
    stop = async () => {
      await server.close();
      await proxy.close();
    };
  });
  afterAll(() => stop());

  it('every route of every provider, default and named profile, including /models, is 401 in-process and over the socket', async () => {
    const routes = [...everyRoute(), ...everyRoute('strict')];
    expect(routes.map((route) => route.path)).toContain('/openai/models');
    expect(routes.map((route) => route.path)).toContain('/openai/strict/models');
    for (const { method, path, matched } of routes) {
      const init = method === 'GET' ? { method } : { method, body: BODY };
      const inProcess = await proxy.handle(rawRequest(path, init));
      const overSocket = await rawHttp(origin, `/v1${path}`, init);
      if (matched) {
        expect(inProcess.status, `${method} ${path}`).toBe(401);
        expect(overSocket.status, `${method} ${path} (socket)`).toBe(401);
      } else {
        expect([401, 404]).toContain(inProcess.status);
        expect([401, 404]).toContain(overSocket.status);
      }
    }
    expect(f.upstreamHits()).toBe(0);
    expect((await auditRows(proxy)).every((row) => row.status === 401 || row.status === 404)).toBe(true);
  });
});

describe('A5: every route is covered, including unknown paths and the named profile', () => {
  it('no credential: every route answers 401 or 404, never 2xx, and the upstream is never contacted', async () => {
    const unknown = [
      ['GET', '/openai/v1/models'], ['GET', '/openai/admin'], ['GET', '/openai/keys'], ['POST', '/openai/completions'], ['POST', '/openai/embeddings'],
      ['DELETE', '/openai/chat/completions'], ['PUT', '/openai/chat/completions'], ['GET', '/openai/chat/completions'], ['GET', '/admin/keys'], ['GET', '/'],
      ['GET', '/metrics'], ['GET', `/openai/${LOCKED_PROFILE}`], ['GET', `/openai/${LOCKED_PROFILE}/v1/models`], ['GET', '/openai/nonexistent-profile/models'],
    ];
    const all = [...everyRoute(), ...everyRoute(LOCKED_PROFILE)].map(({ method, path }) => [method, path]).concat(unknown);
    const statuses = new Map<string, number>();
    for (const [method, path] of all as [string, string][]) {
      const init = method === 'GET' || method === 'DELETE' ? { method } : { method, body: BODY };
      const inProcess = await f.proxy.handle(rawRequest(path, init));
      const overSocket = await rawHttp(f.origin, `/v1${path}`, init);
      statuses.set(`${method} ${path}`, inProcess.status);
      expect([401, 404], `${method} ${path}`).toContain(inProcess.status);
      expect([401, 404], `${method} ${path} (socket)`).toContain(overSocket.status);
    }
    expect(statuses.get('GET /openai/models')).toBe(401);
    expect(statuses.get(`GET /openai/${LOCKED_PROFILE}/models`)).toBe(401);
    expect(statuses.get(`POST /openai/${LOCKED_PROFILE}/chat/completions`)).toBe(401);
    expect(f.upstreamHits()).toBe(0);
  });
});

describe('A4: every credential transport gets the same decision', () => {
  const transports: [string, (key: string) => Record<string, string>][] = [
    ['Authorization: Bearer', (key) => ({ authorization: `Bearer ${key}` })],
    ['x-api-key', (key) => ({ 'x-api-key': key })],
    ['api-key', (key) => ({ 'api-key': key })],
  ];

  it('valid, revoked, expired, unknown and out-of-scope keys: one status per key whatever the header', async () => {
    const expected: [string, string, number][] = [
      ['valid', f.keys.openai.key, 200],
      ['revoked', f.keys.revoked.key, 401],
      ['expired', f.keys.expired.key, 401],
      ['unknown', UNKNOWN_VIRTUAL_KEY, 401],
      ['anthropic-only key on OpenAI', f.keys.anthropic.key, 403],
      ['locked-profile-only key on the default profile', f.keys.lockedOnly.key, 403],
    ];
    for (const [name, key, status] of expected) {
      for (const [transport, headers] of transports) {
        f.reset();
        const response = await f.proxy.handle(rawChat(chatBody(), headers(key)));
        expect(response.status, `${name} via ${transport}`).toBe(status);
        if (status === 200) {
          expect(f.up.requests).toHaveLength(1);
          expect(f.up.requests[0]!.headers.authorization).toBe(`Bearer ${OPENAI_SECRET}`);
        } else {
          await expectRefusedInOpenAIShape(response, status as 401 | 403);
          expect(f.upstreamHits()).toBe(0);
        }
      }
    }
  });

  it('?key= is not a credential on an OpenAI route: 401, the upstream gets nothing', async () => {
    for (const path of [`/openai/chat/completions?key=${f.keys.openai.key}`, `/openai/models?key=${f.keys.openai.key}`, `/openai/models?api_key=${f.keys.openai.key}`]) {
      const response = await f.proxy.handle(rawRequest(path, path.includes('chat') ? { body: chatBody() } : {}));
      expect(response.status, path).toBe(401);
      const overSocket = await rawHttp(f.origin, `/v1${path}`, path.includes('chat') ? { body: BODY } : {});
      expect(overSocket.status, `${path} (socket)`).toBe(401);
    }
    expect(f.upstreamHits()).toBe(0);
  });

  it('a virtual key in ?key= next to a valid credential never reaches the upstream URL', async () => {
    const response = await f.proxy.handle(rawRequest(`/openai/models?key=${f.keys.openai.key}`, { headers: { authorization: `Bearer ${f.keys.plain.key}` } }));
    expect(response.status).toBe(200);
    expect(f.up.requests[0]!.path).not.toContain(f.keys.openai.key);
  });

  it('a cookie is not a credential either: 401', async () => {
    for (const cookie of [`key=${f.keys.openai.key}`, `api_key=${f.keys.openai.key}`, `authorization=Bearer%20${f.keys.openai.key}`]) {
      expect((await f.proxy.handle(rawChat(chatBody(), { cookie }))).status).toBe(401);
    }
    expect(f.upstreamHits()).toBe(0);
  });
});

describe('A12: credential swap', () => {
  it('virtual key + x-goog-api-key/x-api-key/api-key: the upstream sees only the real provider key as Bearer', async () => {
    const leaked = { 'x-goog-api-key': 'AIza-leaked-goog-key-1', 'x-api-key': 'sk-leaked-x-api-key-2', 'api-key': 'leaked-azure-key-3', cookie: 'session=leaked-cookie-4' };
    for (const stream of [false, true]) {
      f.reset();
      const response = await rawHttp(f.origin, '/v1/openai/chat/completions', {
        body: JSON.stringify(chatBody('hi', { stream })),
        headers: { authorization: `Bearer ${f.keys.openai.key}`, ...leaked },
      });
      expect(response.status).toBe(200);
      const upstream = f.up.requests[0]!;
      expect(upstream.headers.authorization).toBe(`Bearer ${OPENAI_SECRET}`);
      for (const name of ['x-goog-api-key', 'x-api-key', 'api-key', 'cookie']) expect(upstream.headers, name).not.toHaveProperty(name);
      const seen = JSON.stringify(upstream);
      expect(seen).not.toContain(f.keys.openai.key);
      for (const value of Object.values(leaked)) expect(seen).not.toContain(value);
      // The client never sees the provider key.
      expect(JSON.stringify(response.headers)).not.toContain(OPENAI_SECRET);
      expect(response.body).not.toContain(OPENAI_SECRET);
      expect(response.body).toContain(stream ? '"content":"upstream."' : 'Hello from the scripted upstream.');
    }
  });

  it('a key without its own secret uses the configured key, and the client sees neither', async () => {
    const response = await rawHttp(f.origin, '/v1/openai/chat/completions', { body: BODY, headers: { 'x-api-key': f.keys.plain.key, 'x-goog-api-key': 'leaked' } });
    expect(response.status).toBe(200);
    expect(f.up.requests[0]!.headers.authorization).toBe(`Bearer ${CONFIGURED_KEY}`);
    expect(f.up.requests[0]!.headers).not.toHaveProperty('x-api-key');
    expect(f.up.requests[0]!.headers).not.toHaveProperty('x-goog-api-key');
    expect(`${JSON.stringify(response.headers)}${response.body}`).not.toContain(CONFIGURED_KEY);
    const row = (await auditRows(f.proxy)).at(-1)!;
    expect(row).toMatchObject({ authMethod: 'virtual_key', virtualKeyId: f.keys.plain.id, status: 200, outcome: 'ok' });
  });
});

describe('A13: an address is never a credential', () => {
  it('from 127.0.0.1, with X-Forwarded-For / X-Real-IP / Forwarded claiming localhost, no credential -> 401', async () => {
    const spoofed = { 'x-forwarded-for': '127.0.0.1', 'x-real-ip': '127.0.0.1', forwarded: 'for=127.0.0.1;host=localhost', 'x-forwarded-host': 'localhost', host: 'localhost' };
    for (const path of ['/v1/openai/chat/completions', `/v1/openai/${LOCKED_PROFILE}/chat/completions`]) {
      const response = await rawHttp(f.origin, path, { body: BODY, headers: spoofed });
      expect(response.status, path).toBe(401);
    }
    expect((await f.proxy.handle(rawChat(chatBody(), spoofed))).status).toBe(401);
    expect(f.upstreamHits()).toBe(0);
  });
});

describe('no secret leaks', () => {
  it('no key or provider secret in any audit row, metric, span or console line', async () => {
    const exposed = await f.exposed();
    expect(exposed.rows.length).toBeGreaterThan(100);
    for (const [name, secret] of Object.entries(fixtureSecrets(f))) {
      for (const [where, text] of Object.entries(exposed)) expect(text.includes(secret), `${name} in ${where}`).toBe(false);
    }
  });
});
