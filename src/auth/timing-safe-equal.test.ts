import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hashKey, keyMatchesDigest } from './timing-safe-equal.js';

// Observe (not replace) node's timingSafeEqual: the real one runs, the spy only records its calls.
const spy = vi.hoisted(() => ({ calls: [] as [Buffer, Buffer][] }));
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return {
    ...actual,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      spy.calls.push([Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)]);
      return actual.timingSafeEqual(a, b);
    },
  };
});

const KEY = 'arch_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

afterEach(() => {
  spy.calls.length = 0;
});

describe('hashKey', () => {
  it('is the SHA-256 of the UTF-8 key, as 64 lower-case hex characters', () => {
    expect(hashKey(KEY)).toBe(sha256(KEY));
    expect(hashKey(KEY)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashKey('é')).toBe(sha256('é'));
    expect(hashKey('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('never contains the key', () => {
    expect(hashKey(KEY)).not.toContain(KEY.slice(5, 15));
  });
});

describe('keyMatchesDigest (A3: constant-time compare of SHA-256 digests)', () => {
  const digest = hashKey(KEY);

  it('accepts the key the digest was made from', () => {
    expect(keyMatchesDigest(KEY, digest)).toBe(true);
    // Hex case does not matter: the digest is compared as bytes.
    expect(keyMatchesDigest(KEY, digest.toUpperCase())).toBe(true);
  });

  it('refuses wrong keys of equal length, of other lengths, empty and near-misses', () => {
    const sameLength = `${KEY.slice(0, -1)}H`;
    expect(sameLength).toHaveLength(KEY.length);
    for (const wrong of [sameLength, KEY.slice(0, -1), `${KEY}x`, '', ' ', KEY.toUpperCase(), `${KEY}\u0000`, 'x'.repeat(1_000_000)]) {
      expect(keyMatchesDigest(wrong, digest), JSON.stringify(wrong.slice(0, 60))).toBe(false);
    }
  });

  it('compares with crypto.timingSafeEqual on two 32-byte digests, whatever the presented length', () => {
    keyMatchesDigest(KEY, digest);
    keyMatchesDigest('short', digest);
    keyMatchesDigest('y'.repeat(10_000), digest);
    expect(spy.calls).toHaveLength(3);
    for (const [presented, stored] of spy.calls) {
      expect(presented.length).toBe(32);
      expect(stored.length).toBe(32);
      expect(stored.toString('hex')).toBe(digest);
    }
    expect(spy.calls[0]![0].toString('hex')).toBe(digest);
    expect(spy.calls[1]![0].toString('hex')).toBe(sha256('short'));
  });

  it('refuses, without throwing, a stored digest that is not 32 bytes of hex', () => {
    for (const stored of ['', 'abc', digest.slice(0, 62), `${digest}00`, 'z'.repeat(64), KEY]) {
      expect(() => keyMatchesDigest(KEY, stored)).not.toThrow();
      expect(keyMatchesDigest(KEY, stored)).toBe(false);
    }
  });
});
