import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, isArchestraError } from '../errors.js';
import { createSecretBox } from './secret-box.js';

const HEX_KEY = randomBytes(32).toString('hex');
const SECRET = 'sk-proj-SEALCANARY-4f1d2e9a7b';

function box(masterKey = HEX_KEY) {
  const created = createSecretBox(masterKey);
  if (!created) throw new Error('expected a secret box');
  return created;
}

/** Flips one character of a base64url string to another valid one. */
function flip(text: string, index = 0): string {
  const char = text[index]!;
  return `${text.slice(0, index)}${char === 'A' ? 'B' : 'A'}${text.slice(index + 1)}`;
}

describe('createSecretBox', () => {
  it('is null without a master key', () => {
    expect(createSecretBox(undefined)).toBeNull();
    expect(createSecretBox('')).toBeNull();
  });

  it('takes 32 bytes as 64 hex characters (either case) or as base64 / base64url', () => {
    const bytes = randomBytes(32);
    const sealed = box(bytes.toString('hex')).seal(SECRET);
    for (const form of [bytes.toString('hex').toUpperCase(), bytes.toString('base64'), bytes.toString('base64url')]) {
      expect(box(form).open(sealed)).toBe(SECRET);
    }
  });

  it('refuses a master key that is not 32 bytes with a ConfigError that does not repeat the key', () => {
    const candidates = [
      randomBytes(31).toString('hex'),
      randomBytes(33).toString('hex'),
      randomBytes(16).toString('base64'),
      randomBytes(48).toString('base64'),
      'correct horse battery staple',
      'Q7',
    ];
    for (const masterKey of candidates) {
      let thrown: unknown;
      try {
        createSecretBox(masterKey);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, masterKey).toBeInstanceOf(ConfigError);
      expect(isArchestraError(thrown)).toBe(true);
      expect((thrown as ConfigError).code).toBe('ARCHESTRA_CONFIG_INVALID');
      expect((thrown as Error).message).toContain('ARCHESTRA_MASTER_KEY');
      expect((thrown as Error).message).not.toContain(masterKey);
    }
  });
});

describe('seal / open (AES-256-GCM)', () => {
  it('round-trips ASCII, Unicode, empty and long secrets', () => {
    const secretBox = box();
    for (const plaintext of [SECRET, '', 'ключ-🔑-密钥', 'x'.repeat(100_000), JSON.stringify({ openai: SECRET, anthropic: 'sk-ant-1' })]) {
      expect(secretBox.open(secretBox.seal(plaintext))).toBe(plaintext);
    }
  });

  it('never contains the plaintext, and seals the same secret differently each time (random IV)', () => {
    const secretBox = box();
    const first = secretBox.seal(SECRET);
    const second = secretBox.seal(SECRET);
    expect(first).not.toBe(second);
    for (const sealed of [first, second]) {
      expect(sealed).not.toContain(SECRET);
      expect(sealed).not.toContain(Buffer.from(SECRET).toString('base64url'));
      expect(sealed).not.toContain(Buffer.from(SECRET).toString('base64'));
      const [version, iv, ciphertext, tag] = sealed.split('.');
      expect(version).toBe('v1');
      expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
      expect(Buffer.from(ciphertext!, 'base64url')).toHaveLength(Buffer.byteLength(SECRET));
      expect(Buffer.from(tag!, 'base64url')).toHaveLength(16);
    }
    expect(first.split('.')[1]).not.toBe(second.split('.')[1]);
  });

  it('throws on any tampering: ciphertext, tag, IV, version, truncation, extra parts', () => {
    const secretBox = box();
    const sealed = secretBox.seal(SECRET);
    const [version, iv, ciphertext, tag] = sealed.split('.') as [string, string, string, string];
    const tampered = [
      [version, iv, flip(ciphertext, 3), tag],
      [version, iv, ciphertext, flip(tag, 2)],
      [version, flip(iv, 1), ciphertext, tag],
      ['v2', iv, ciphertext, tag],
      [version, iv, ciphertext.slice(0, -2), tag],
      [version, iv, ciphertext, tag.slice(0, 8)],
      [version, iv, `${ciphertext}AA`, tag],
      [version, iv, ciphertext],
      [version, iv, '', tag],
      [version, '', ciphertext, tag],
    ].map((parts) => parts.join('.'));
    tampered.push('', 'garbage', SECRET, secretBox.seal('other').slice(0, 20));
    for (const candidate of tampered) {
      expect(() => secretBox.open(candidate), candidate).toThrow();
    }
    // The untouched original still opens.
    expect(secretBox.open(sealed)).toBe(SECRET);
  });

  it('swapping the ciphertexts of two sealed secrets fails authentication', () => {
    const secretBox = box();
    const a = secretBox.seal('secret-a-123').split('.');
    const b = secretBox.seal('secret-b-456').split('.');
    expect(() => secretBox.open([a[0], a[1], b[2], a[3]].join('.'))).toThrow();
  });

  it('a box with another master key cannot open it, and the error does not carry the plaintext', () => {
    const sealed = box().seal(SECRET);
    let thrown: unknown;
    try {
      box(randomBytes(32).toString('hex')).open(sealed);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(String((thrown as Error).message)).not.toContain(SECRET);
    expect(String((thrown as Error).stack)).not.toContain(SECRET);
  });
});
