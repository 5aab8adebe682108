import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigError } from '../errors.js';

const VERSION = 'v1';

/** Encrypts provider secrets at rest with AES-256-GCM under the master key. */
export interface SecretBox {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

/**
 * The master key: 32 bytes, given as 64 hex characters or base64. Without one, secrets cannot be
 * stored, and creating a virtual key that carries a provider secret fails.
 */
export function createSecretBox(masterKey: string | undefined): SecretBox | null {
  if (masterKey === undefined || masterKey === '') return null;
  const key = /^[0-9a-f]{64}$/i.test(masterKey) ? Buffer.from(masterKey, 'hex') : Buffer.from(masterKey, 'base64');
  if (key.length !== 32) throw new ConfigError('The master key (ARCHESTRA_MASTER_KEY) must be 32 bytes: 64 hex characters or 44 base64 characters. Make one with: openssl rand -hex 32');
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const encrypted = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64url'), encrypted.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open(sealed) {
      const [version, iv, encrypted, tag] = sealed.split('.');
      if (version !== VERSION || !iv || encrypted === undefined || !tag) throw new Error('unrecognised sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
