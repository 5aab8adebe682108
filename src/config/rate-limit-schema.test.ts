import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import type { ProxyConfig } from './schema.js';
import { validateConfig } from './validate-config.js';

function refusal(config: unknown): string {
  try {
    validateConfig(config as ProxyConfig);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected validateConfig to refuse the configuration');
}

describe('limits.rate', () => {
  it('defaults to none; an entry gets its id from scope and model, and refuses when the store fails', () => {
    expect(validateConfig({}).limits.rate).toEqual([]);
    const config = validateConfig({ limits: { rate: [{ scope: 'agent', requestsPerMinute: 60 }, { scope: 'virtual_key', model: 'gpt-4o*', tokensPerMinute: 10_000, concurrent: 4 }] } });
    expect(config.limits.rate).toEqual([
      { id: 'agent', scope: 'agent', requestsPerMinute: 60, onStoreError: 'refuse' },
      { id: 'virtual_key:gpt-4o*', scope: 'virtual_key', model: 'gpt-4o*', tokensPerMinute: 10_000, concurrent: 4, onStoreError: 'refuse' },
    ]);
    expect(validateConfig({ profiles: { team: { limits: { rate: [{ id: 'team', scope: 'profile', concurrent: 2 }] } } } }).profiles.team?.limits?.rate).toHaveLength(1);
  });

  it('refuses an unknown field, an entry without a limit, an unknown scope, a zero limit and two entries with one id', () => {
    expect(refusal({ limits: { rate: [{ scope: 'agent', requestsPerMinute: 1, perHour: 5 }] } })).toContain('  - limits.rate.0.perHour: unknown field');
    expect(refusal({ limits: { rate: [{ scope: 'agent' }] } })).toContain('  - limits.rate.0: set requestsPerMinute, tokensPerMinute, concurrent, or several');
    expect(refusal({ limits: { rate: [{ scope: 'team', concurrent: 1 }] } })).toContain('limits.rate.0.scope');
    expect(refusal({ limits: { rate: [{ scope: 'agent', requestsPerMinute: 0 }] } })).toContain('limits.rate.0.requestsPerMinute');
    expect(refusal({ limits: { rate: [{ scope: 'agent', requestsPerMinute: 1 }, { scope: 'agent', concurrent: 1 }] } })).toContain('  - limits.rate.1.id: another limit has the id "agent": give each its own id');
    // A profile holds rate limits only: the other limits are global.
    expect(refusal({ profiles: { team: { limits: { maxInFlight: 5 } } } })).toContain('profiles.team.limits.maxInFlight: unknown field');
  });
});
