import { describe, expect, it } from 'vitest';
import { DIGITS, EMAILS, everySecret, googleApiKey, openaiKey, pemPrivateKey, PHONES, type Random, seeded, VALID_CARDS, VALID_IBANS } from './__fixtures__/values.js';
import { type DetectorId, SECRET_DETECTORS } from './detectors.js';
import { redactText, scanText } from './scan.js';
import { createStreamRedactor } from './stream-redactor.js';

/** Streams `deltas` through a redactor; returns every output and the redactor. */
function stream(deltas: readonly string[], enabled?: readonly DetectorId[]) {
  const redactor = createStreamRedactor(enabled);
  const outputs = deltas.map((delta) => redactor.push(delta));
  outputs.push(redactor.flush());
  return { outputs, redactor, joined: outputs.join('') };
}

/** Cuts `text` at `pieces - 1` random points (pieces may be empty; surrogate pairs may be split). */
function splitAt(r: Random, text: string, pieces: number): string[] {
  const cuts = Array.from({ length: pieces - 1 }, () => r.int(text.length + 1)).sort((a, b) => a - b);
  const parts: string[] = [];
  let from = 0;
  for (const cut of cuts) {
    parts.push(text.slice(from, cut));
    from = cut;
  }
  parts.push(text.slice(from));
  return parts;
}

function splitBySize(r: Random, text: string, max: number): string[] {
  const parts: string[] = [];
  for (let i = 0; i < text.length; ) {
    const size = 1 + r.int(max);
    parts.push(text.slice(i, i + size));
    i += size;
  }
  return parts;
}

const WORDS = ['the', 'key', 'is', 'here:', 'call', 'me', 'at', 'or', 'mail', 'card', 'IBAN', 'thanks!', '2024-05-17', '4.2', 'v1.2.3', '42', 'ok.', 'sk-learn', 'task-runner'];
const TRICKY = [
  'sk-', 'sk-proj-', 'AIza', 'AKIA', 'ghp_', 'github_pat_', 'xoxb-12', '-----BEGIN', '-----BEGIN RSA PRIVATE KEY-----', '-----END PRIVATE KEY-----',
  '@', 'jane@', '@example.com', '+1', '+44 20', '(415) ', '4111 1111', '4111', 'GB82', 'DE89 3704', '\\n', '\\u00e9', '\\\\', '"',
  '\u200B', '\u200D', '\uFEFF', '４１１１ ', '１２', 'ﬁ', '😀', '𝟒𝟏𝟏𝟏', '\u00A0', '\n', ' ', ',', '.',
];

/** A random text mixing prose, every secret kind, PII, near-misses and obfuscation characters. */
function randomText(r: Random): string {
  const secrets = everySecret(r).map(([, value]) => value);
  const pieces: string[] = [];
  const count = 5 + r.int(30);
  for (let i = 0; i < count; i++) {
    const roll = r.next();
    if (roll < 0.35) pieces.push(r.pick(WORDS));
    else if (roll < 0.5) pieces.push(r.pick(secrets));
    else if (roll < 0.65) pieces.push(r.pick([...VALID_CARDS, ...VALID_IBANS, ...EMAILS, ...PHONES, 'GB82 WEST 1234 5698 7654 32 is mine', '4111 1111 1111 1112']));
    else if (roll < 0.9) pieces.push(r.pick(TRICKY));
    else pieces.push(r.token(1 + r.int(24), `${DIGITS} -.`));
    pieces.push(r.pick(['', ' ', ' ', '\n', ', ', '"', '\\n', '']));
  }
  return pieces.join('');
}

describe('S8: a value split across deltas is caught; stream and whole-text redaction agree', () => {
  const r = seeded(808);

  it('national phone forms and their near-misses (a hex dump), delta by delta', () => {
    for (const text of ['call 01 23 45 67 89 now', '00000010: 01 23 45 67 89 ab cd ef', 'dump 01 23 45 67 89 ab cd', 'tel 0151/23456789.', 'x 020 7946 0958 y', 'at +48.858844, +2.29']) {
      const expected = redactText(text, scanText(text));
      expect(stream([...text]).joined).toBe(expected);
      for (let trial = 0; trial < 10; trial++) expect(stream(splitAt(r, text, 2 + r.int(4))).joined).toBe(expected);
    }
  });

  it('every secret and PII value, split over 2–5 deltas at random points', () => {
    const values = [...everySecret(r).map(([, value]) => value), ...VALID_CARDS, ...VALID_IBANS, ...EMAILS, ...PHONES];
    for (const value of values) {
      const text = `before ${value} after`;
      const expected = redactText(text, scanText(text));
      expect(expected).not.toContain(value);
      for (let pieces = 2; pieces <= 5; pieces++) {
        for (let trial = 0; trial < 10; trial++) {
          const { outputs, joined } = stream(splitAt(r, text, pieces));
          expect(joined).toBe(expected);
          // Nothing emitted along the way ever carried the value, or a piece of it longer than its first characters.
          for (const output of outputs) expect(output).not.toContain(value.slice(0, 12));
        }
      }
    }
  });

  it('property (seeded, 400 texts × 3 splittings): concatenated outputs equal redactText of the whole, findings equal scanText', () => {
    for (let run = 0; run < 400; run++) {
      const text = randomText(r);
      const expectedFindings = scanText(text);
      const expected = redactText(text, expectedFindings);
      const splittings = [splitAt(r, text, 2 + r.int(6)), splitBySize(r, text, 1 + r.int(12)), splitBySize(r, text, 1)];
      for (const deltas of splittings) {
        const { joined, redactor } = stream(deltas);
        if (joined !== expected) throw new Error(`mismatch for ${JSON.stringify(text)} split as ${JSON.stringify(deltas)}`);
        expect(redactor.findings).toEqual(expectedFindings);
      }
    }
  });

  it('property with only the secret detectors enabled', () => {
    for (let run = 0; run < 150; run++) {
      const text = randomText(r);
      const expected = redactText(text, scanText(text, SECRET_DETECTORS));
      expect(stream(splitBySize(r, text, 1 + r.int(8)), SECRET_DETECTORS).joined).toBe(expected);
    }
  });

  it('a card that grows into a longer number, and an address whose domain grows, are decided by what follows', () => {
    expect(stream(['card 4111 1111 1111 1111', '1 ok']).joined).toBe('card 4111 1111 1111 11111 ok');
    expect(stream(['card 4111 1111 1111 1111', ' ok']).joined).toBe('card [REDACTED:credit_card] ok');
    expect(stream(['mail jane@example.co', 'm.au!']).joined).toBe('mail [REDACTED:email]!');
  });
});

describe('hold-back: only what could still become a match is held', () => {
  const r = seeded(809);

  it('plain prose is released at once, except its last word', () => {
    const redactor = createStreamRedactor();
    expect(redactor.push('The quarterly report is attached. Please review it by Friday')).toBe('The quarterly report is attached. Please review it by ');
    expect(redactor.held).toBe('Friday'.length);
    expect(redactor.push('. Thanks!')).toBe('Friday. Thanks!');
    expect(redactor.held).toBe(0);
  });

  it('a key prefix is held until it is decided', () => {
    const key = openaiKey(r);
    const redactor = createStreamRedactor();
    expect(redactor.push(`Use ${key.slice(0, 30)}`)).toBe('Use ');
    expect(redactor.push(key.slice(30, 120))).toBe('');
    expect(redactor.push(`${key.slice(120)} for the call`)).toBe('[REDACTED:openai_key] for the ');
    expect(redactor.flush()).toBe('call');
    expect(redactor.findings).toEqual([{ detector: 'openai_key', kind: 'secret', start: 4, end: 4 + key.length }]);
  });

  it('"sk-" that turns out to be prose is released with the next word', () => {
    const redactor = createStreamRedactor();
    expect(redactor.push('we use sk-')).toBe('we use ');
    expect(redactor.push('learn for this!')).toBe('sk-learn for this!');
  });

  it('a PEM block is held whole until its footer, then released redacted', () => {
    const pem = pemPrivateKey(r);
    const { outputs, joined } = stream(['here:\n', ...splitBySize(r, pem, 40), '\nbye']);
    expect(joined).toBe('here:\n[REDACTED:private_key]\nbye');
    expect(outputs.filter((output) => output.includes('BEGIN'))).toEqual([]);
  });

  it('never splits a surrogate pair between outputs', () => {
    const redactor = createStreamRedactor();
    const outputs = ['ok 😀'.slice(0, 4), '😀 done.'.slice(1)].map((delta) => redactor.push(delta));
    outputs.push(redactor.flush());
    for (const output of outputs) {
      const last = output.charCodeAt(output.length - 1);
      expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
    }
    expect(outputs.join('')).toBe('ok 😀 done.');
  });

  it('holdBack bounds what is held, trading exactness for latency', () => {
    const key = googleApiKey(r);
    const redactor = createStreamRedactor(undefined, { holdBack: 8 });
    const out = redactor.push(`x ${key.slice(0, 30)}`);
    expect(out.length).toBeGreaterThan(0);
    expect(redactor.held).toBeLessThanOrEqual(8);
  });
});
