import { describe, expect, it } from 'vitest';
import { openaiKey, seeded } from './__fixtures__/values.js';
import { decideDataLeak, resolveDataLeakPolicy } from './policy.js';
import { scanText } from './scan.js';
import { dataLeakSchema } from './schema.js';

describe('dataLeakSchema', () => {
  it('defaults: secrets redacted, PII off, no overrides', () => {
    expect(dataLeakSchema.parse({})).toEqual({ secrets: 'redact', pii: 'off' });
  });

  it('accepts per-detector overrides and rejects unknown detectors, actions and fields', () => {
    expect(dataLeakSchema.parse({ pii: 'redact', detectors: { email: 'block', phone: 'off' } })).toEqual({ secrets: 'redact', pii: 'redact', detectors: { email: 'block', phone: 'off' } });
    expect(dataLeakSchema.safeParse({ detectors: { ssn: 'block' } }).success).toBe(false);
    expect(dataLeakSchema.safeParse({ secrets: 'warn' }).success).toBe(false);
    expect(dataLeakSchema.safeParse({ secret: 'block' }).success).toBe(false);
  });
});

describe('resolveDataLeakPolicy and decideDataLeak', () => {
  const r = seeded(707);

  it('runs only detectors that are not off, and a detector override beats its kind', () => {
    const policy = resolveDataLeakPolicy(dataLeakSchema.parse({ secrets: 'block', pii: 'redact', detectors: { phone: 'off', github_token: 'redact' } }));
    expect(policy.enabled.detectors.map((d) => d.id)).not.toContain('phone');
    expect(policy.actions).toMatchObject({ openai_key: 'block', github_token: 'redact', email: 'redact', phone: 'off' });
    expect([...policy.block]).toContain('private_key');
  });

  it('default policy: a secret is redacted, an email passes (PII off)', () => {
    const policy = resolveDataLeakPolicy(dataLeakSchema.parse({}));
    const text = `key ${openaiKey(r)} from jane@example.com`;
    const findings = scanText(text, policy.enabled);
    expect(findings.map((f) => f.detector)).toEqual(['openai_key']);
    expect(decideDataLeak(findings, policy)).toEqual({ action: 'redact', blockedBy: [], redactedBy: ['openai_key'] });
  });

  it('block wins over redact, and no findings allow', () => {
    const policy = resolveDataLeakPolicy(dataLeakSchema.parse({ pii: 'redact', detectors: { credit_card: 'block' } }));
    const findings = scanText('mail jane@example.com, card 4111 1111 1111 1111', policy.enabled);
    expect(decideDataLeak(findings, policy)).toEqual({ action: 'block', blockedBy: ['credit_card'], redactedBy: ['email'] });
    expect(decideDataLeak([], policy).action).toBe('allow');
  });
});
