import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ArchestraError } from '../errors.js';
import { createSqliteStore } from '../store/sqlite-store.js';
import type { Store } from '../types.js';
import { createSecretBox } from './secret-box.js';
import { checkVirtualKey, createVirtualKeys, isVirtualKey, VIRTUAL_KEY_PREFIX } from './virtual-key.js';

// Observe (not replace) node's timingSafeEqual, to see the key check goes through it.
const spy = vi.hoisted(() => ({ calls: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return {
    ...actual,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      spy.calls++;
      return actual.timingSafeEqual(a, b);
    },
  };
});

const SECRET = 'sk-proj-VKSECRETCANARY-93c1e0';
const secretBox = createSecretBox(randomBytes(32).toString('hex'));
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

let dir: string;
let dbPath: string;
let store: Store;
/** How often the store was asked to find a key. */
let lookups: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'archestra-vk-'));
  dbPath = join(dir, 'keys.db');
  const sqlite = createSqliteStore(dbPath);
  lookups = [];
  store = {
    ...sqlite,
    findVirtualKeyByHash(hash) {
      lookups.push(hash);
      return sqlite.findVirtualKeyByHash(hash);
    },
  };
  spy.calls = 0;
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The raw rows of the virtual_keys table, as another process would read the file. */
function rawRows(): Record<string, unknown>[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT * FROM virtual_keys').all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

describe('creating a virtual key', () => {
  it('is arch_ + 43 base64url characters (256 bits), different every time', async () => {
    const keys = createVirtualKeys(store, secretBox);
    const created = await Promise.all(Array.from({ length: 20 }, (_, index) => keys.create({ name: `k${index}` })));
    for (const { key } of created) {
      expect(key).toMatch(/^arch_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(key.slice(VIRTUAL_KEY_PREFIX.length), 'base64url')).toHaveLength(32);
      expect(isVirtualKey(key)).toBe(true);
    }
    expect(new Set(created.map(({ key }) => key)).size).toBe(20);
    expect(new Set(created.map(({ id }) => id)).size).toBe(20);
  });

  it('stores only the SHA-256 of the key and the sealed secret: the file holds neither key nor secret', async () => {
    const keys = createVirtualKeys(store, secretBox);
    const created = await keys.create({ name: 'billing', providers: ['openai'], secrets: { openai: SECRET } });
    const rows = rawRows();
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.key_hash).toBe(sha256(created.key));
    expect(row.key_prefix).toBe(created.key.slice(0, 12));
    expect(typeof row.sealed_secrets).toBe('string');
    expect(secretBox!.open(row.sealed_secrets as string)).toBe(JSON.stringify({ openai: SECRET }));
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(created.key);
    expect(dump).not.toContain(created.key.slice(12));
    expect(dump).not.toContain(SECRET);
    // Nor anywhere in the database file or its WAL.
    await store.close();
    for (const file of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, file)).toString('latin1');
      expect(bytes, file).not.toContain(created.key);
      expect(bytes, file).not.toContain(SECRET);
    }
    store = createSqliteStore(dbPath);
  });

  it('shows the key once: list() and the create() result carry no hash and no secret', async () => {
    const keys = createVirtualKeys(store, secretBox);
    const created = await keys.create({ name: 'shown-once', secrets: { openai: SECRET } });
    expect(created).not.toHaveProperty('keyHash');
    expect(created).not.toHaveProperty('sealedSecrets');
    expect(created.hasSecrets).toBe(true);
    expect(JSON.stringify(created)).not.toContain(SECRET);
    const listed = await keys.list();
    expect(listed).toHaveLength(1);
    const text = JSON.stringify(listed);
    expect(text).not.toContain(created.key);
    expect(text).not.toContain(sha256(created.key));
    expect(text).not.toContain(SECRET);
    expect(listed[0]).toMatchObject({ id: created.id, name: 'shown-once', keyPrefix: created.key.slice(0, 12), hasSecrets: true, revokedAt: null, expiresAt: null });
  });

  it('refuses a secret without a master key, and a bad name', async () => {
    await expect(createVirtualKeys(store, null).create({ name: 'x', secrets: { openai: SECRET } })).rejects.toBeInstanceOf(ArchestraError);
    await expect(createVirtualKeys(store, secretBox).create({ name: '' })).rejects.toBeInstanceOf(ArchestraError);
    await expect(createVirtualKeys(store, secretBox).create({ name: 'n'.repeat(201) })).rejects.toBeInstanceOf(ArchestraError);
    expect(rawRows()).toHaveLength(0);
    // Without a secret, no master key is needed.
    await expect(createVirtualKeys(store, null).create({ name: 'plain' })).resolves.toMatchObject({ hasSecrets: false });
  });
});

describe('checking a virtual key', () => {
  it('accepts the key, opens its secrets, and compares digests with timingSafeEqual (A3)', async () => {
    const created = await createVirtualKeys(store, secretBox).create({ name: 'ok', secrets: { openai: SECRET } });
    const check = await checkVirtualKey(store, secretBox, created.key, 'openai', 'default');
    expect(check).toMatchObject({ success: true, secrets: { openai: SECRET } });
    expect(check.success && check.record.id).toBe(created.id);
    expect(lookups).toEqual([sha256(created.key)]);
    expect(spy.calls).toBe(1);
  });

  it('refuses an unknown key of the right shape (401), after one lookup by hash', async () => {
    await createVirtualKeys(store, secretBox).create({ name: 'other' });
    const unknown = `arch_${randomBytes(32).toString('base64url')}`;
    expect(await checkVirtualKey(store, secretBox, unknown, 'openai', 'default')).toEqual({ success: false, status: 401, message: 'The virtual key is not valid.' });
    expect(lookups).toEqual([sha256(unknown)]);
  });

  it('refuses malformed keys (A8) without consulting the store', async () => {
    const created = await createVirtualKeys(store, secretBox).create({ name: 'k' });
    const malformed = [
      'arch_',
      `${created.key}x`,
      created.key.slice(0, -1),
      `arch_' OR 1=1--${'a'.repeat(29)}`,
      `arch_${'a'.repeat(1024 * 1024)}`,
      `arch_${'\u0000'.repeat(43)}`,
      `arch_${'é'.repeat(43)}`,
      `arch_${'🔑'.repeat(22)}`,
      `${created.key.slice(0, 10)}\u0000${created.key.slice(11)}`,
      ` ${created.key}`,
      `ARCH_${created.key.slice(5)}`,
    ];
    for (const key of malformed) {
      const check = await checkVirtualKey(store, secretBox, key, 'openai', 'default');
      expect(check, JSON.stringify(key.slice(0, 50))).toMatchObject({ success: false, status: 401 });
    }
    expect(lookups).toEqual([]);
  });

  it('the store lookup is parameterised: SQL in the hash finds nothing (A8)', async () => {
    await createVirtualKeys(store, secretBox).create({ name: 'k' });
    for (const probe of ["' OR 1=1--", "x' OR '1'='1", '%', '*', "'; DROP TABLE virtual_keys;--"]) {
      expect(await store.findVirtualKeyByHash(probe)).toBeUndefined();
    }
    expect(rawRows()).toHaveLength(1);
  });

  it('refuses an expired key (401) and accepts it until then', async () => {
    const keys = createVirtualKeys(store, secretBox);
    const past = await keys.create({ name: 'past', expiresAt: new Date(Date.now() - 1_000) });
    expect(await checkVirtualKey(store, secretBox, past.key, 'openai', 'default')).toMatchObject({ success: false, status: 401, message: 'The virtual key has expired.' });
    const soon = await keys.create({ name: 'soon', expiresAt: new Date(Date.now() + 300) });
    expect(await checkVirtualKey(store, secretBox, soon.key, 'openai', 'default')).toMatchObject({ success: true });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await checkVirtualKey(store, secretBox, soon.key, 'openai', 'default')).toMatchObject({ success: false, status: 401 });
    expect((await keys.list()).find((key) => key.id === soon.id)?.expiresAt).toBe(soon.expiresAt);
  });

  it('refuses a revoked key (401); revoking keeps the first revocation time; unknown ids are false', async () => {
    const keys = createVirtualKeys(store, secretBox);
    const created = await keys.create({ name: 'to-revoke' });
    const other = await keys.create({ name: 'kept' });
    expect(await keys.revoke(created.id)).toBe(true);
    expect(await checkVirtualKey(store, secretBox, created.key, 'openai', 'default')).toMatchObject({ success: false, status: 401, message: 'The virtual key has been revoked.' });
    expect(await checkVirtualKey(store, secretBox, other.key, 'openai', 'default')).toMatchObject({ success: true });
    const revokedAt = (await keys.list()).find((key) => key.id === created.id)?.revokedAt;
    expect(revokedAt).toEqual(expect.any(String));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await keys.revoke(created.id)).toBe(true);
    expect((await keys.list()).find((key) => key.id === created.id)?.revokedAt).toBe(revokedAt);
    expect(await keys.revoke('no-such-id')).toBe(false);
    expect(await keys.revoke("' OR 1=1--")).toBe(false);
    expect((await keys.list()).find((key) => key.id === other.id)?.revokedAt).toBeNull();
  });

  it('enforces scope: another provider or another profile is 403; in scope is accepted', async () => {
    const keys = createVirtualKeys(store, secretBox);
    const scoped = await keys.create({ name: 'scoped', providers: ['anthropic'], proxyIds: ['support-bot'] });
    expect(await checkVirtualKey(store, secretBox, scoped.key, 'anthropic', 'support-bot')).toMatchObject({ success: true, secrets: {} });
    expect(await checkVirtualKey(store, secretBox, scoped.key, 'openai', 'support-bot')).toMatchObject({ success: false, status: 403, message: 'The virtual key may not call openai.' });
    expect(await checkVirtualKey(store, secretBox, scoped.key, 'anthropic', 'default')).toMatchObject({ success: false, status: 403 });
    expect(await checkVirtualKey(store, secretBox, scoped.key, 'anthropic', 'other')).toMatchObject({ success: false, status: 403 });
    const anyScope = await keys.create({ name: 'any' });
    for (const provider of ['openai', 'anthropic', 'gemini', 'vllm', 'ollama'] as const) {
      expect(await checkVirtualKey(store, secretBox, anyScope.key, provider, 'whatever')).toMatchObject({ success: true });
    }
  });

  it('a key whose secret cannot be opened is refused, not forwarded: no master key is 401, a wrong one throws', async () => {
    const created = await createVirtualKeys(store, secretBox).create({ name: 'sealed', secrets: { openai: SECRET } });
    expect(await checkVirtualKey(store, null, created.key, 'openai', 'default')).toMatchObject({ success: false, status: 401 });
    // `authenticate` turns a throw into a 503 (covered end to end).
    await expect(checkVirtualKey(store, createSecretBox(randomBytes(32).toString('hex')), created.key, 'openai', 'default')).rejects.toThrow();
  });
});
