import { describe, expect, it } from 'vitest';
import { awsAccessKey, BASE64, DIGITS, EMAILS, everySecret, githubFineGrainedToken, googleApiKey, openaiKey, pemPrivateKey, PHONES, seeded, VALID_CARDS, VALID_IBANS } from './__fixtures__/values.js';
import { DETECTOR_IDS, DETECTORS, ibanChecksumValid, luhnValid } from './detectors.js';
import { redactText, scanText } from './scan.js';

const detectorsIn = (text: string) => scanText(text).map((finding) => finding.detector);

/** The one finding in `text`, which must cover exactly `value`. */
function expectExactly(text: string, value: string, detector: string) {
  const findings = scanText(text);
  expect(findings.map((f) => f.detector)).toEqual([detector]);
  const [finding] = findings;
  expect(text.slice(finding?.start, finding?.end)).toBe(value);
}

describe('detector table', () => {
  it('has one entry per id, global regexes, and a kind for each', () => {
    expect(DETECTORS.map((d) => d.id)).toEqual([...DETECTOR_IDS]);
    for (const detector of DETECTORS) {
      expect(detector.regex.global).toBe(true);
      expect(detector.partial.global).toBe(true);
      expect(detector.maxLength).toBeGreaterThan(0);
    }
    expect(DETECTORS.filter((d) => d.kind === 'pii').map((d) => d.id)).toEqual(['email', 'phone', 'credit_card', 'iban']);
  });
});

describe('X1: secret positives (built at run time)', () => {
  const r = seeded(101);
  const secrets = everySecret(r);

  it.each(secrets.map(([detector, value]) => [detector, value.slice(0, 16), value] as const))('%s (%s…) is found alone and in prose', (detector, _, value) => {
    expectExactly(value, value, detector);
    expectExactly(`Here is my key: ${value}. Keep it safe.`, value, detector);
    expectExactly(`export KEY="${value}"\n`, value, detector);
  });

  it.each(secrets.map(([detector, value]) => [detector, value] as const))('%s is found inside raw JSON text, after an escaped newline', (detector, value) => {
    const json = JSON.stringify({ note: `line one\n${value}\nline three` });
    const findings = scanText(json);
    expect(findings.map((f) => f.detector)).toEqual([detector]);
    const redacted = redactText(json, findings);
    expect(JSON.parse(redacted)).toEqual({ note: `line one\n[REDACTED:${detector}]\nline three` });
  });

  it('finds AWS keys in a presigned URL and Google keys in a query string', () => {
    const aws = awsAccessKey(r);
    expectExactly(`https://bucket.s3.amazonaws.com/f?X-Amz-Credential=${aws}/20240101/us-east-1/s3/aws4_request`, aws, 'aws_access_key');
    const google = googleApiKey(r);
    expectExactly(`https://maps.googleapis.com/maps/api/geocode/json?address=x&key=${google}&v=3`, google, 'google_api_key');
  });

  it('redacts a PEM block whose footer is missing up to the end of its base64', () => {
    const full = pemPrivateKey(r);
    const truncated = full.slice(0, full.indexOf('-----END') - 30);
    const text = `${truncated}\nThat was all I could copy, sorry`;
    const [finding] = scanText(text);
    expect(finding?.detector).toBe('private_key');
    expect(text.slice(finding?.end)).toBe('\nThat was all I could copy, sorry');
  });

  it('finds a PEM block with JSON-escaped newlines, and an encrypted one with headers', () => {
    const escaped = pemPrivateKey(r, 'ENCRYPTED PRIVATE KEY', 3, '\\n');
    expect(detectorsIn(`{"pem":"${escaped}"}`)).toEqual(['private_key']);
    const encrypted = pemPrivateKey(r, 'RSA PRIVATE KEY').replace('-----\n', '-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123456789ABCDEF\n\n');
    expectExactly(`key:\n${encrypted}\n`, encrypted, 'private_key');
  });

  it('finds two secrets of different kinds side by side', () => {
    const a = openaiKey(r);
    const b = githubFineGrainedToken(r);
    expect(detectorsIn(`${a} ${b}`)).toEqual(['openai_key', 'github_token']);
  });
});

describe('X2: negatives are not flagged', () => {
  const r = seeded(202);
  const benign = [
    'We trained the model with sk-learn (scikit-learn) and a task-runner.',
    'pip install scikit-learn; import sklearn; sk-learn is not a key',
    'request id 550e8400-e29b-41d4-a716-446655440000, trace 123e4567-e89b-12d3-a456-426614174000',
    'sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'sha256: 4111111111111111a9fbf4c8996fb92427ae41e4649b934ca495991b7852b855 and GB82aaaa1234569876543299ffeeddccbbaa00112233445566778899aabbccdd',
    'commit 9fceb02d0ae598e95dc970b74767f19372d61af8 merged',
    'TAKIAIOSFODNN7EXAMPLEWORD and AKIAlowercase1234567 and MAKIAIOSFODNN7EXAMPLE',
    'Released on 2024-01-15 at 10:30:00Z; version 1.2.3; build 20240115103000',
    'Timestamps 1700000000000 and 1712345678901, order ORD-555-123-4567, ISBN 978-3-16-148410-0',
    'npm i react@18.2.0 lodash@4.17.21 @types/node; see icon@2x.png and logo@3x.webp',
    'Use @media (max-width: 600px) and @Component decorators; email me at the usual place',
    'Totals: 1,234,567.89 EUR and 4111 apples; coordinates 52.5200, 13.4050; IP 192.168.100.200',
    'Our IBAN format is like GB82 WEST 1234 5698 7654 33 (checksum wrong) and ZZ12 3456 7890 1234 56',
    'Card ending 4111 1111 1111 1112 failed; 0000 0000 0000 0000 is a placeholder',
    'ghp_ is the prefix of classic tokens, and xoxb- of Slack bot tokens; AIza starts Google keys',
    '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----',
    '-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa\n-----END CERTIFICATE-----',
  ];

  it.each(benign)('%s', (text) => {
    expect(scanText(text)).toEqual([]);
  });

  it('base64 image data (seeded, 200 KB) raises nothing', () => {
    const image = `data:image/png;base64,iVBORw0KGgo${r.token(200_000, BASE64)}==`;
    expect(scanText(image)).toEqual([]);
  });

  it('random hex digests and UUIDs raise nothing', () => {
    const hex = '0123456789abcdef';
    const text = Array.from({ length: 2000 }, (_, i) => (i % 2 ? r.token(64, hex) : [8, 4, 4, 4, 12].map((n) => r.token(n, hex)).join('-'))).join('\n');
    expect(scanText(text)).toEqual([]);
  });

  it('random digit runs only flag Luhn-valid card-shaped numbers', () => {
    const runs = Array.from({ length: 2000 }, () => r.token(8 + r.int(12), DIGITS));
    for (const finding of scanText(runs.join(' | '))) {
      expect(finding.detector).toBe('credit_card');
    }
  });
});

describe('X3: payment cards need a valid Luhn checksum', () => {
  it.each(VALID_CARDS)('%s is flagged', (card) => {
    expect(luhnValid(card)).toBe(true);
    expectExactly(`pay with ${card} please`, card, 'credit_card');
  });

  it.each(VALID_CARDS)('%s with its last digit changed is not', (card) => {
    const last = Number(card.at(-1));
    const changed = card.slice(0, -1) + String((last + 1) % 10);
    expect(luhnValid(changed)).toBe(false);
    expect(scanText(`pay with ${changed} please`)).toEqual([]);
  });

  it('mixed separators, a digit run longer than 19, and a decimal are not cards', () => {
    expect(scanText('4111-1111 1111-1111')).toEqual([]);
    expect(scanText('41111111111111111111111')).toEqual([]);
    expect(scanText('0.4111111111111111')).toEqual([]);
  });
});

describe('X4: IBANs need the country length and mod-97', () => {
  it.each(VALID_IBANS)('%s is flagged', (iban) => {
    expect(ibanChecksumValid(iban.replace(/ /g, '').toUpperCase())).toBe(true);
    expectExactly(`transfer to ${iban} today`, iban, 'iban');
  });

  it.each(VALID_IBANS)('%s with one digit changed is not', (iban) => {
    const index = iban.search(/\d(?=\D*$)/); // the last digit
    const changed = iban.slice(0, index) + String((Number(iban[index]) + 1) % 10) + iban.slice(index + 1);
    expect(scanText(`transfer to ${changed} today`)).toEqual([]);
  });

  it('stops at the country length when words follow', () => {
    expectExactly('IBAN: DE89 3704 0044 0532 0130 00 is my account number', 'DE89 3704 0044 0532 0130 00', 'iban');
    expectExactly('DE89 3704 0044 0532 0130 00 extraordinarily', 'DE89 3704 0044 0532 0130 00', 'iban');
  });

  it('a valid IBAN with extra characters glued on is not flagged', () => {
    expect(scanText('DE8937040044053201300099')).toEqual([]);
  });
});

describe('emails and phone numbers', () => {
  it.each(EMAILS)('%s is flagged', (email) => expectExactly(`mail <${email}>, thanks`, email, 'email'));
  it.each(PHONES)('%s is flagged', (phone) => expectExactly(`call ${phone} now`, phone, 'phone'));
  it('bare digit runs, dates and short international numbers are not phones', () => {
    expect(scanText('id 4155550132, date 2024-01-15, +123 45, 1-2-3')).toEqual([]);
  });
});

describe('X5: obfuscation', () => {
  const r = seeded(505);

  it('zero-width characters inside a secret are stripped before scanning, and redacted with it', () => {
    const key = openaiKey(r);
    const hidden = `${key.slice(0, 10)}\u200B${key.slice(10, 50)}\u200D${key.slice(50, 90)}\u2060${key.slice(90)}`;
    const text = `token: ${hidden} end`;
    expectExactly(text, hidden, 'openai_key');
    expect(redactText(text, scanText(text))).toBe('token: [REDACTED:openai_key] end');
  });

  it('zero-width joiners inside a card number and an email are caught', () => {
    expectExactly('card 4111\u200D1111\u200D1111\u200D1111 ok', '4111\u200D1111\u200D1111\u200D1111', 'credit_card');
    expectExactly('mail jane\u200B.doe@exam\uFEFFple.com ok', 'jane\u200B.doe@exam\uFEFFple.com', 'email');
  });

  it('full-width digits and letters are folded with NFKC', () => {
    const card = '４１１１ １１１１ １１１１ １１１１';
    expectExactly(`card ${card} ok`, card, 'credit_card');
    const iban = 'ＧＢ８２ ＷＥＳＴ １２３４ ５６９８ ７６５４ ３２';
    expectExactly(`iban ${iban}.`, iban, 'iban');
    const email = 'ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ';
    expectExactly(`mail ${email} ok`, email, 'email');
  });

  it('a no-break space as a card separator, and mathematical digits (surrogate pairs), are folded', () => {
    expectExactly('card 4111\u00A01111\u00A01111\u00A01111 ok', '4111\u00A01111\u00A01111\u00A01111', 'credit_card');
    const bold = [...'4111111111111111'].map((d) => String.fromCodePoint(0x1d7ce + Number(d))).join('');
    expectExactly(`card ${bold} ok`, bold, 'credit_card');
  });

  it('documented limit: a key split across two separate strings is not joined', () => {
    const key = googleApiKey(r);
    expect(scanText(key.slice(0, 20))).toEqual([]);
    expect(scanText(key.slice(20))).toEqual([]);
  });
});

describe('escapes in raw JSON text', () => {
  it('a match never starts inside an escape, so redaction keeps the JSON valid', () => {
    const raw = '{"a":"x\\nbob@example.com","b":"\\u00e9jane@example.com","c":"\\\\nsam@example.com"}';
    const redacted = redactText(raw, scanText(raw));
    expect(() => JSON.parse(redacted)).not.toThrow();
    const parsed = JSON.parse(redacted) as Record<string, string>;
    expect(parsed.a).toBe('x\n[REDACTED:email]');
    expect(parsed.c).toMatch(/REDACTED:email/);
  });

  it('counts the backslashes before a character to tell whether it is escaped', () => {
    for (let backslashes = 0; backslashes <= 6; backslashes++) {
      const value = `${'\\'.repeat(backslashes)}\nbob@example.com and "quoted" jane@example.com`;
      const raw = JSON.stringify({ value });
      const redacted = redactText(raw, scanText(raw));
      expect(() => JSON.parse(redacted)).not.toThrow();
      expect(redacted).not.toContain('@example.com');
    }
  });
});

describe('fixes found by the detector benchmark (bench/DETECTORS.md)', () => {
  const r = seeded(909);

  it('a signed decimal (a coordinate, an amount) is not an international phone number', () => {
    expect(scanText('Eiffel tower at +48.858844, +2.294351; growth +12345678.90 USD')).toEqual([]);
    expectExactly('call +33.1.23.45.67.89 now', '+33.1.23.45.67.89', 'phone');
  });

  it.each(['01 23 45 67 89', '06.12.34.56.78', '020 7946 0958', '07700 900123', '0161 496 0000', '030 12345678', '0151/23456789', '030-1234567'])('national form %s is flagged', (phone) => {
    expectExactly(`call ${phone} now`, phone, 'phone');
    expectExactly(`updated ${phone} for account 88231`, phone, 'phone');
  });

  it('digit groups starting with 0 that are not phone numbers are not flagged', () => {
    for (const text of [
      '0000 0000 0000 0000 is a placeholder',
      'ref 0123 4567 and case 012-3456',
      '00000010: 01 23 45 67 89 ab cd ef 10 32',
      'PLZ 01067 Dresden, Hausnummer 12',
      'dates 2024-01-15, 01.02.2024, 01/02/2024',
      'ISBN 0-306-40615-2, build 0.12.345.6789',
    ]) {
      expect(scanText(text)).toEqual([]);
    }
  });

  it('a PEM header, or header and footer, with no base64 between is not a key', () => {
    expect(scanText('Paste the block that starts with -----BEGIN PRIVATE KEY----- into the field below.')).toEqual([]);
    expect(scanText('The file must contain -----BEGIN RSA PRIVATE KEY----- and -----END RSA PRIVATE KEY----- lines.')).toEqual([]);
    const key = pemPrivateKey(r);
    expectExactly(`here: ${key} thanks`, key, 'private_key');
  });
});
