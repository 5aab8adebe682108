import { describe, expect, it } from 'vitest';
import { ConfigError, isArchestraError } from '../errors.js';
import type { ProxyConfig } from './schema.js';
import { validateConfig } from './validate-config.js';

/** The message `validateConfig` (what `createProxy` runs first) refuses `config` with. */
function refusal(config: unknown): string {
  try {
    validateConfig(config as ProxyConfig);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect(isArchestraError(error) && error.code).toBe('ARCHESTRA_CONFIG_INVALID');
    return (error as ConfigError).message;
  }
  throw new Error('expected validateConfig to refuse the configuration');
}

describe('validateConfig (createProxy): unknown fields are errors naming the field', () => {
  it('names the unknown field whole, with the closest known one', () => {
    expect(refusal({ audit: { bodys: true } })).toBe('Invalid @archestra/llm-proxy configuration:\n  - audit.bodys: unknown field; did you mean "bodies"?');
    expect(refusal({ limits: { maxRequestBodySize: 1 } })).toContain('  - limits.maxRequestBodySize: unknown field; did you mean "maxRequestBodyBytes"?');
    expect(refusal({ policies: { dataLeak: { enabled: true } } })).toContain('  - policies.dataLeak.enabled: unknown field');
  });

  it('lists the known fields when none is close (the server block belongs to the config file only)', () => {
    const message = refusal({ server: { port: 9000 } });
    expect(message).toMatch(/^ {2}- server: unknown field; the known ones are providers, auth, policies, masterKey, profiles, store, audit, admin, limits, upstream, pricing, metrics$/m);
  });

  it('still names a bad value and what was expected', () => {
    expect(refusal({ providers: { openai: { baseUrl: 'not a url' } } })).toContain('  - providers.openai.baseUrl: expected an http(s) URL such as https://api.openai.com/v1');
    expect(refusal({ store: 5 })).toContain('  - store: expected a SQLite file path, ":memory:", or a Store');
  });

  it('accepts a valid configuration and fills in the defaults', () => {
    expect(validateConfig({ audit: { bodies: false } }).audit).toEqual({ bodies: false, maxBodyBytes: 262_144, flushIntervalMs: 20, durability: 'commit', memory: { maxRows: 10_000, maxBytes: 32 * 1024 * 1024 }, onFailure: 'refuse', maxQueuedRows: 10_000, maxQueuedBytes: 64 * 1024 * 1024 });
  });

  it('approvals: pending ones wait an hour, at most 1,000 per profile; the admin API is off without a token, and a short token is refused', () => {
    const config = validateConfig({});
    expect(config.policies.approvals).toEqual({ expiresAfterMs: 3_600_000, maxPending: 1_000 });
    expect(config.admin).toEqual({ proxyUrl: '/v1', profileRefreshMs: 1_000 });
    expect(refusal({ admin: { token: 'short' } })).toContain('  - admin.token: expected at least 16 printable ASCII characters without spaces');
    expect(refusal({ policies: { approvals: { expiresAfterMs: 0 } } })).toContain('  - policies.approvals.expiresAfterMs:');
  });
});
