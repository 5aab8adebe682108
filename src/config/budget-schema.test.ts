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

describe('limits.budgets', () => {
  it('defaults to none; an entry gets its id from scope, window and model, a 4096-token cap when unset, and fails closed', () => {
    expect(validateConfig({}).limits.budgets).toEqual([]);
    const config = validateConfig({ limits: { budgets: [{ scope: 'agent', usd: 50, window: { calendar: 'month' } }, { scope: 'virtual_key', model: 'gpt-4o*', tokens: 1_000_000, window: { rolling: '24h' } }] } });
    expect(config.limits.budgets).toEqual([
      { id: 'agent:month', scope: 'agent', usd: 50, window: { calendar: 'month', timeZone: 'UTC' }, maxTokensWhenUnset: 4096, onStoreError: 'refuse', onUnknownPrice: 'refuse' },
      { id: 'virtual_key:24h:gpt-4o*', scope: 'virtual_key', model: 'gpt-4o*', tokens: 1_000_000, window: { rolling: '24h' }, maxTokensWhenUnset: 4096, onStoreError: 'refuse', onUnknownPrice: 'refuse' },
    ]);
    const profile = validateConfig({ profiles: { team: { limits: { budgets: [{ scope: 'profile', tokens: 10, window: { calendar: 'week', timeZone: 'Europe/Berlin' } }] } } } });
    expect(profile.profiles.team?.limits?.budgets).toHaveLength(1);
  });

  it('refuses a budget without an amount, an unknown window or time zone, an unknown field and two budgets with one id', () => {
    expect(refusal({ limits: { budgets: [{ scope: 'agent', window: { rolling: '1h' } }] } })).toContain('  - limits.budgets.0: set usd, tokens, or both');
    expect(refusal({ limits: { budgets: [{ scope: 'agent', tokens: 5, window: { rolling: '2h' } }] } })).toContain('limits.budgets.0.window');
    expect(refusal({ limits: { budgets: [{ scope: 'agent', tokens: 5, window: { calendar: 'month', timeZone: 'Mars/Olympus' } }] } })).toContain('limits.budgets.0.window');
    expect(refusal({ limits: { budgets: [{ scope: 'agent', tokens: 5, window: { rolling: '1h' }, dollars: 5 }] } })).toContain('limits.budgets.0.dollars: unknown field');
    expect(refusal({ limits: { budgets: [{ scope: 'agent', tokens: 5, window: { rolling: '1h' } }, { scope: 'agent', usd: 1, window: { rolling: '1h' } }] } })).toContain('  - limits.budgets.1.id: another budget has the id "agent:1h": give each its own id');
  });
});
