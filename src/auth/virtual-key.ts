import { randomBytes, randomUUID } from 'node:crypto';
import { ArchestraError } from '../errors.js';
import type { KeyBudget, ProviderName, Store, VirtualKeyRecord } from '../types.js';
import type { SecretBox } from './secret-box.js';
import { hashKey, keyMatchesDigest } from './timing-safe-equal.js';

/** Every virtual key starts with this, so it is recognised (and never forwarded) wherever it is sent. */
export const VIRTUAL_KEY_PREFIX = 'arch_';

/** `arch_` and 43 base64url characters: 256 bits of randomness. */
const VIRTUAL_KEY_PATTERN = /^arch_[A-Za-z0-9_-]{43}$/;

export interface CreateVirtualKeyOptions {
  name: string;
  /** Providers the key may call. @default every provider */
  providers?: ProviderName[];
  /** Proxy profiles the key may use. @default every profile */
  proxyIds?: string[];
  /** Provider secrets used upstream for this key's calls (sealed with the master key); without one, the profile's configured key is used. */
  secrets?: Partial<Record<ProviderName, string>>;
  /** When the key stops working. */
  expiresAt?: Date;
  /** Its own budgets, on top of the configured `limits.budgets` (`parseKeyBudget`). @default none */
  budgets?: KeyBudget[];
}

/** A key as listed: never the key itself, never its secrets. */
export type VirtualKeyInfo = Omit<VirtualKeyRecord, 'keyHash' | 'sealedSecrets'> & { hasSecrets: boolean };

export interface VirtualKeys {
  /** Issues a key. The returned `key` is shown once: only its hash is stored. */
  create(options: CreateVirtualKeyOptions): Promise<VirtualKeyInfo & { key: string }>;
  list(): Promise<VirtualKeyInfo[]>;
  /** Revokes a key by id; false when there is no such key. */
  revoke(id: string): Promise<boolean>;
}

export type VirtualKeyCheck =
  | { success: true; record: VirtualKeyRecord; secrets: Partial<Record<ProviderName, string>> }
  | { success: false; status: 401 | 403; message: string };

export function isVirtualKey(credential: string): boolean {
  return credential.startsWith(VIRTUAL_KEY_PREFIX);
}

export function createVirtualKeys(store: Store, secretBox: SecretBox | null): VirtualKeys {
  return {
    async create(options) {
      if (!options.name || options.name.length > 200) throw new ArchestraError('ARCHESTRA_CONFIG_INVALID', 'A virtual key needs a name of 1-200 characters.');
      const secrets = options.secrets && Object.keys(options.secrets).length > 0 ? options.secrets : undefined;
      if (secrets && !secretBox) throw new ArchestraError('ARCHESTRA_CONFIG_INVALID', 'Storing a provider secret needs a master key: set ARCHESTRA_MASTER_KEY (openssl rand -hex 32) or the masterKey option.');
      const key = `${VIRTUAL_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
      const record: VirtualKeyRecord = {
        id: randomUUID(),
        name: options.name,
        keyHash: hashKey(key),
        keyPrefix: key.slice(0, 12),
        providers: options.providers ?? null,
        proxyIds: options.proxyIds ?? null,
        sealedSecrets: secrets && secretBox ? secretBox.seal(JSON.stringify(secrets)) : null,
        createdAt: new Date().toISOString(),
        expiresAt: options.expiresAt ? options.expiresAt.toISOString() : null,
        revokedAt: null,
        budgets: options.budgets && options.budgets.length > 0 ? options.budgets : null,
      };
      await store.saveVirtualKey(record);
      return { ...toInfo(record), key };
    },
    async list() {
      return (await store.listVirtualKeys()).map(toInfo);
    },
    async revoke(id) {
      return store.revokeVirtualKey(id, new Date().toISOString());
    },
  };
}

/** Checks a presented virtual key: known, not revoked, not expired, in scope. */
export async function checkVirtualKey(store: Store, secretBox: SecretBox | null, presented: string, provider: ProviderName, proxyId: string): Promise<VirtualKeyCheck> {
  // The shape check costs nothing and keeps junk (a 1 MB "key", NUL bytes) away from the store.
  if (!VIRTUAL_KEY_PATTERN.test(presented)) return { success: false, status: 401, message: 'The virtual key is not valid.' };
  const record = await store.findVirtualKeyByHash(hashKey(presented));
  if (!record || !keyMatchesDigest(presented, record.keyHash)) return { success: false, status: 401, message: 'The virtual key is not valid.' };
  if (record.revokedAt !== null) return { success: false, status: 401, message: 'The virtual key has been revoked.' };
  if (record.expiresAt !== null && Date.parse(record.expiresAt) <= Date.now()) return { success: false, status: 401, message: 'The virtual key has expired.' };
  if (record.providers && !record.providers.includes(provider)) return { success: false, status: 403, message: `The virtual key may not call ${provider}.` };
  if (record.proxyIds && !record.proxyIds.includes(proxyId)) return { success: false, status: 403, message: `The virtual key may not use the proxy profile "${proxyId}".` };
  let secrets: Partial<Record<ProviderName, string>> = {};
  if (record.sealedSecrets !== null) {
    if (!secretBox) return { success: false, status: 401, message: 'The proxy cannot open this key\'s provider secret: no master key is configured.' };
    secrets = JSON.parse(secretBox.open(record.sealedSecrets)) as Partial<Record<ProviderName, string>>;
  }
  return { success: true, record, secrets };
}

function toInfo(record: VirtualKeyRecord): VirtualKeyInfo {
  const { keyHash: _hash, sealedSecrets, ...info } = record;
  return { ...info, hasSecrets: sealedSecrets !== null };
}
