import { describe, expect, it } from 'vitest';
import { BASE64, DIGITS, everySecret, googleApiKey, openaiKey, seeded } from './__fixtures__/values.js';
import { compileDetectors, redactText, scanText } from './scan.js';

describe('scanText', () => {
  const r = seeded(303);

  it('reports offsets on the original text, sorted, with detector and kind', () => {
    const key = googleApiKey(r);
    const text = `mail jane@example.com, key ${key}, card 4111 1111 1111 1111`;
    expect(scanText(text)).toEqual([
      { detector: 'email', kind: 'pii', start: 5, end: 21 },
      { detector: 'google_api_key', kind: 'secret', start: 27, end: 27 + key.length },
      { detector: 'credit_card', kind: 'pii', start: 27 + key.length + 7, end: text.length },
    ]);
  });

  it('runs only the enabled detectors', () => {
    const text = `jane@example.com ${googleApiKey(r)}`;
    expect(scanText(text, ['email']).map((f) => f.detector)).toEqual(['email']);
    expect(scanText(text, new Set(['google_api_key'] as const)).map((f) => f.detector)).toEqual(['google_api_key']);
    expect(scanText(text, compileDetectors([]))).toEqual([]);
  });

  it('keeps one finding where detectors overlap: the earliest, then the longest', () => {
    // A phone number that is also an address's local part: same start, the address is longer.
    expect(scanText('415-555-0132@example.com')).toEqual([{ detector: 'email', kind: 'pii', start: 0, end: 24 }]);
    expect(scanText('415-555-0132@example.com', ['phone'])).toEqual([{ detector: 'phone', kind: 'pii', start: 0, end: 12 }]);
  });

  it('maps offsets back through full-width characters and removed zero-width ones', () => {
    const text = '\u200B\u200Bｍａｉｌ: jane\u200D@example.com!';
    const [finding] = scanText(text);
    expect(text.slice(finding?.start, finding?.end)).toBe('jane\u200D@example.com');
  });
});

describe('redactText', () => {
  const r = seeded(304);

  it('replaces each finding with [REDACTED:<detector>]', () => {
    const secrets = everySecret(r);
    const text = secrets.map(([, value], index) => `#${index}: ${value}`).join('\n');
    const redacted = redactText(text, scanText(text));
    expect(redacted).toBe(secrets.map(([detector], index) => `#${index}: [REDACTED:${detector}]`).join('\n'));
  });

  it('returns the text unchanged without findings and skips overlapping ones', () => {
    expect(redactText('plain', [])).toBe('plain');
    expect(
      redactText('0123456789', [
        { detector: 'email', start: 2, end: 6 },
        { detector: 'phone', start: 4, end: 8 },
      ]),
    ).toBe('01[REDACTED:email]6789');
  });
});

describe('linear cost', () => {
  const r = seeded(305);

  it('scans a 50-message × 2 KB conversation once, with one secret in it', () => {
    const words = ['the', 'quarterly', 'report', 'is', 'attached,', 'please', 'review', 'section', '4.2', 'by', 'Friday', '2024-05-17.', '\n'];
    const messages = Array.from({ length: 50 }, () => {
      let text = '';
      while (text.length < 2048) text += `${r.pick(words)} `;
      return text;
    });
    messages[37] += ` ${openaiKey(r)}`;
    const findings = messages.flatMap((text) => scanText(text));
    expect(findings.map((f) => f.detector)).toEqual(['openai_key']);
  });

  it('handles inputs that would make a naive pattern backtrack (long runs without a match)', () => {
    const inputs = [
      'a'.repeat(50_000), // local-part characters without an @
      `${'a.'.repeat(20_000)}@`,
      `x@${'a-'.repeat(20_000)}`,
      '4'.repeat(50_000),
      '4 '.repeat(25_000),
      `+1${' 2'.repeat(20_000)}`,
      `GB82${' A1'.repeat(20_000)}`,
      `sk-${'a'.repeat(50_000)}`,
      `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(50_000)}`,
      r.token(100_000, BASE64),
      r.token(100_000, `${DIGITS} -.`),
    ];
    for (const input of inputs) expect(Array.isArray(scanText(input))).toBe(true);
  });
});
