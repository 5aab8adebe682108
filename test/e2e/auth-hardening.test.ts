/**
 * Authentication under attack (SECURITY-TESTS.md A3, A6, A7, A8): path and Host confusion, a
 * failing store or key check, and hostile key material. No bypass, no anonymous fallback, no 500.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../src/auth/secret-box.js';
import { createVirtualKeys } from '../../src/auth/virtual-key.js';
import { ConfigError, createProxy, createSqliteStore, type ProxyConfig, type Store } from '../../src/index.js';
import { type AuthFixture, LOCKED_PROFILE, OPENAI_SECRET, fixtureSecrets, startAuthFixture } from '../helpers/auth-fixture.js';
import { rawHttp } from '../helpers/auth-servers.js';
import { auditRows, chatBody, rawChat, rawRequest } from '../helpers/proxy.js';

let f: AuthFixture;
beforeAll(async () => {
  f = await startAuthFixture();
});
beforeEach(() => f.reset());
afterAll(() => f.close());

const BODY = JSON.stringify(chatBody());

/** Sends raw bytes on a fresh connection; resolves with the status code of the answer. */
function rawSocket(origin: string, head: Buffer): Promise<number> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(head));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' && text ? undefined : reject(error)));
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
  });
}

function chatHead(authorization: Buffer): Buffer {
  const body = Buffer.from(BODY);
  return Buffer.concat([
    Buffer.from('POST /v1/openai/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n'),
    Buffer.from(`Content-Length: ${body.length}\r\nAuthorization: Bearer `),
    authorization,
    Buffer.from('\r\n\r\n'),
    body,
  ]);
}

describe('A6: path and Host confusion', () => {
  const paths = [
    '/v1//openai/chat/completions', '/v1/openai//chat/completions', '/v1/openai/../openai/chat/completions',
    '/v1/openai/%2e%2e/openai/chat/completions', '/v1/openai/%2E%2E/openai/chat/completions', '/v1/openai/.%2e/openai/chat/completions',
    '/v1/openai/chat/completions/', '/v1/OpenAI/chat/completions', '/v1/openai/CHAT/completions', '/v1/openai/chat%2fcompletions',
    '/v1/openai/chat%2Fcompletions', '/v1/openai/./chat/completions', `/v1/openai/${LOCKED_PROFILE}/../chat/completions`,
    `/v1/openai/${LOCKED_PROFILE}/%2e%2e/chat/completions`, '/v1/../v1/openai/chat/completions', '/v1/openai/chat/completions?x=/../..',
    '/v1/openai/chat/completions;x=1', '/v1/openai/chat/completions%00', '/v1/openai/chat/completions%20', '/v1/openai\\chat\\completions',
    '/v1/%6fpenai/chat/completions', '/v1/openai/chat/completions#frag', '/V1/openai/chat/completions', '/v1/openai/chat/./completions',
  ];
  const hosts = ['localhost/#@evil.example', 'evil.example', 'api.openai.com', '127.0.0.1:1'];

  it('without a credential nothing is 2xx and the upstream is never contacted (socket and in-process)', async () => {
    for (const path of paths) {
      const response = await rawHttp(f.origin, path, { body: BODY });
      expect(response.status, path).toBeGreaterThanOrEqual(400);
      expect(response.status, path).not.toBe(500);
      const inProcess = await f.proxy.handle(new Request(`http://proxy${path.slice(3)}`, { method: 'POST', body: BODY, headers: { 'content-type': 'application/json' } }));
      expect([401, 404], path).toContain(inProcess.status);
    }
    for (const host of hosts) expect((await rawHttp(f.origin, '/v1/openai/chat/completions', { body: BODY, headers: { host } })).status, host).toBe(401);
    expect(f.upstreamHits()).toBe(0);
  });

  it('with a valid key, what the router serves is exactly what auth checked: only /v1/chat/completions ever reaches the upstream', async () => {
    const headers = { authorization: `Bearer ${f.keys.openai.key}` };
    let served = 0;
    for (const path of paths) {
      const before = f.up.requests.length;
      const response = await rawHttp(f.origin, path, { body: BODY, headers });
      expect([200, 400, 404], path).toContain(response.status);
      if (response.status === 200) {
        served++;
        expect(f.up.requests).toHaveLength(before + 1);
        expect(f.up.requests.at(-1)!.path.split('?')[0], path).toBe('/v1/chat/completions');
        expect(f.up.requests.at(-1)!.headers.authorization).toBe(`Bearer ${OPENAI_SECRET}`);
      } else {
        expect(f.up.requests, path).toHaveLength(before);
      }
    }
    expect(served).toBeGreaterThan(0);
    // The profile is the one the normalised path names: `locked/../` is the default profile.
    const rows = await auditRows(f.proxy);
    expect(rows.filter((row) => row.status === 200).every((row) => row.proxyId === 'default')).toBe(true);
  });
});

describe('A7: a failing check fails closed', () => {
  async function withStore(store: Store, config: Partial<ProxyConfig> = {}) {
    const proxy = createProxy({ providers: { openai: { baseUrl: f.up.baseUrl, apiKey: 'sk-configured-a7' } }, store, masterKey: randomBytes(32).toString('hex'), ...config });
    return proxy;
  }
  const key = `arch_${randomBytes(32).toString('base64url')}`;

  it('a store whose lookup throws or rejects -> 503, never anonymous, never the key forwarded, even where provider keys are accepted', async () => {
    const stores: (() => Store)[] = [
      () => ({ ...createSqliteStore(), findVirtualKeyByHash: () => { throw new Error('database is locked'); } }),
      () => ({ ...createSqliteStore(), findVirtualKeyByHash: () => Promise.reject(new Error('connection refused')) }),
    ];
    for (const makeStore of stores) {
      for (const auth of [{ providerKeys: false }, { providerKeys: true }]) {
        const proxy = await withStore(makeStore(), { auth });
        const response = await proxy.handle(rawChat(chatBody(), { authorization: `Bearer ${key}` }));
        expect(response.status).toBe(503);
        const body = (await response.json()) as { error: { message: string } };
        expect(body.error.message).not.toMatch(/database is locked|connection refused/);
        expect((await auditRows(proxy)).at(-1)).toMatchObject({ status: 503, outcome: 'rejected', authMethod: null });
        await proxy.close();
      }
    }
    expect(f.upstreamHits()).toBe(0);
  });

  it('a store that answers the wrong record (a lookup bug) is caught by the digest re-check -> 401', async () => {
    const sqlite = createSqliteStore();
    const victim = await createVirtualKeys(sqlite, createSecretBox(randomBytes(32).toString('hex'))).create({ name: 'victim' });
    const sloppy: Store = { ...sqlite, findVirtualKeyByHash: async () => (await sqlite.listVirtualKeys())[0] };
    const proxy = await withStore(sloppy, { auth: { providerKeys: false } });
    expect((await proxy.handle(rawChat(chatBody(), { authorization: `Bearer ${key}` }))).status).toBe(401);
    expect((await proxy.handle(rawChat(chatBody(), { authorization: `Bearer ${victim.key}` }))).status).toBe(200);
    await proxy.close();
  });

  it('a sealed secret the proxy cannot open (other master key, corrupted) -> 503; without any master key -> 401', async () => {
    const sqlite = createSqliteStore();
    const sealedUnderOther = await createVirtualKeys(sqlite, createSecretBox(randomBytes(32).toString('hex'))).create({ name: 'other-master', secrets: { openai: OPENAI_SECRET } });
    const corrupted = await createVirtualKeys(sqlite, createSecretBox(randomBytes(32).toString('hex'))).create({ name: 'corrupted', secrets: { openai: OPENAI_SECRET } });
    const store: Store = {
      ...sqlite,
      async findVirtualKeyByHash(hash) {
        const record = await sqlite.findVirtualKeyByHash(hash);
        return record && record.id === corrupted.id ? { ...record, sealedSecrets: 'v1.AAAA.BBBB.CCCC' } : record;
      },
    };
    const proxy = await withStore(store, { auth: { providerKeys: false } });
    for (const issued of [sealedUnderOther, corrupted]) {
      const response = await proxy.handle(rawChat(chatBody(), { authorization: `Bearer ${issued.key}` }));
      expect(response.status).toBe(503);
      expect(await response.text()).not.toContain(OPENAI_SECRET);
    }
    await proxy.flush();
    const noMaster = createProxy({ providers: { openai: { baseUrl: f.up.baseUrl } }, store: { ...sqlite, close: () => {} }, masterKey: undefined, auth: { providerKeys: false } });
    const previous = process.env.ARCHESTRA_MASTER_KEY;
    delete process.env.ARCHESTRA_MASTER_KEY;
    try {
      expect((await noMaster.handle(rawChat(chatBody(), { authorization: `Bearer ${sealedUnderOther.key}` }))).status).toBe(401);
    } finally {
      if (previous !== undefined) process.env.ARCHESTRA_MASTER_KEY = previous;
    }
    await noMaster.close();
    await proxy.close();
    expect(f.upstreamHits()).toBe(0);
  });

  it('a master key of the wrong length refuses to start (ConfigError), without echoing it', () => {
    expect(() => createProxy({ masterKey: 'too-short-master-key' })).toThrow(ConfigError);
    expect(() => createProxy({ masterKey: 'too-short-master-key' })).not.toThrow(/too-short-master-key/);
  });
});

describe('A8: hostile key material', () => {
  const megabyte = 'a'.repeat(1024 * 1024);
  const hostile = [
    "' OR 1=1--", "arch_' OR 1=1--", `arch_' OR '1'='1' --${'a'.repeat(24)}`, "'; DROP TABLE virtual_keys;--", megabyte, `arch_${megabyte}`,
    `arch_${'é'.repeat(43)}`, `arch_${'ÿ'.repeat(43)}`, '%00', `arch_${'%00'.repeat(14)}a`, 'arch_', 'arch', '*', '%',
  ];

  it('in-process, via Bearer and x-api-key: 401 each, no 500, nothing upstream, the key not echoed', async () => {
    for (const key of hostile) {
      for (const headers of [{ authorization: `Bearer ${key}` }, { 'x-api-key': key }] as Record<string, string>[]) {
        const response = await f.proxy.handle(rawChat(chatBody(), headers));
        expect(response.status, key.slice(0, 40)).toBe(401);
        const text = await response.text();
        if (key.length > 4) expect(text).not.toContain(key);
      }
    }
    expect(f.upstreamHits()).toBe(0);
    const rows = await auditRows(f.proxy);
    expect(rows.some((row) => row.status >= 500)).toBe(false);
    const dump = JSON.stringify(rows);
    for (const key of hostile.filter((candidate) => candidate.length > 4)) expect(dump).not.toContain(key);
    // The store still holds its keys: nothing was dropped or matched.
    expect(await f.proxy.keys.list()).toHaveLength(Object.keys(f.keys).length);
  });

  it('over a raw socket: NUL, UTF-8 and oversized keys are refused (400/401/431), never 500, nothing upstream', async () => {
    const cases: [string, Buffer][] = [
      ['NUL', Buffer.from(`arch_${'\u0000'.repeat(43)}`, 'latin1')],
      ['UTF-8 emoji', Buffer.from(`arch_${'🔑'.repeat(11)}`, 'utf8')],
      ['UTF-8 text', Buffer.from(`arch_${'ключ'.repeat(11)}`, 'utf8')],
      ['8 KB', Buffer.from(`arch_${'b'.repeat(8 * 1024)}`)],
      ['1 MB', Buffer.from(`arch_${megabyte}`)],
      ['SQL', Buffer.from("arch_' OR 1=1--")],
    ];
    for (const [name, bytes] of cases) {
      const status = await rawSocket(f.origin, chatHead(bytes));
      expect([400, 401, 431], name).toContain(status);
    }
    expect(f.upstreamHits()).toBe(0);
    expect((await auditRows(f.proxy)).some((row) => row.status >= 500)).toBe(false);
  });

  it('the GET routes too (no body to fail on first)', async () => {
    for (const key of ["' OR 1=1--", `arch_${megabyte}`]) {
      expect((await f.proxy.handle(rawRequest('/openai/models', { headers: { authorization: `Bearer ${key}` } }))).status).toBe(401);
    }
    expect(f.upstreamHits()).toBe(0);
  });
});

describe('no secret leaks', () => {
  it('no key or provider secret in any audit row, metric, span or console line', async () => {
    const exposed = await f.exposed();
    for (const [name, secret] of Object.entries(fixtureSecrets(f))) {
      for (const [where, text] of Object.entries(exposed)) expect(text.includes(secret), `${name} in ${where}`).toBe(false);
    }
  });
});
