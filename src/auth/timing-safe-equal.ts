import { createHash, timingSafeEqual } from 'node:crypto';

/** SHA-256 of a key, hex: what the store keeps instead of the key. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Compares a presented key with a stored SHA-256 digest in constant time. Hashing first makes
 * both sides the same length, so neither the content nor the length leaks through timing.
 */
export function keyMatchesDigest(presented: string, storedHexDigest: string): boolean {
  const presentedDigest = createHash('sha256').update(presented, 'utf8').digest();
  const stored = Buffer.from(storedHexDigest, 'hex');
  return stored.length === presentedDigest.length && timingSafeEqual(presentedDigest, stored);
}
