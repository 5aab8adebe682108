/**
 * Fake PII in the shapes people write it, for the generated corpus: payment cards valid by Luhn
 * (and the same with one digit changed), IBANs valid by mod-97 for several countries (and with one
 * digit changed), emails on example domains, phone numbers in international and national formats
 * on fictional ranges.
 */
import { ALNUM, DIGITS, type Random } from './fakes.js';

const UPPER = ALNUM.slice(0, 26);

// ---------------------------------------------------------------------------------------------
// Payment cards

/** The check digit that makes `body` + digit valid by Luhn. */
function luhnDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let value = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      value *= 2;
      if (value > 9) value -= 9;
    }
    sum += value;
  }
  return String((10 - (sum % 10)) % 10);
}

/** Issuer prefix, length and the printed grouping. */
const CARD_KINDS: readonly { name: string; prefix: (r: Random) => string; length: number; groups: readonly number[] }[] = [
  { name: 'visa', prefix: () => '4', length: 16, groups: [4, 4, 4, 4] },
  { name: 'visa13', prefix: () => '4', length: 13, groups: [] },
  { name: 'mastercard', prefix: (r) => String(51 + r.int(5)), length: 16, groups: [4, 4, 4, 4] },
  { name: 'mastercard2', prefix: (r) => String(2221 + r.int(500)), length: 16, groups: [4, 4, 4, 4] },
  { name: 'amex', prefix: (r) => r.pick(['34', '37']), length: 15, groups: [4, 6, 5] },
  { name: 'discover', prefix: () => '6011', length: 16, groups: [4, 4, 4, 4] },
  { name: 'diners', prefix: () => '36', length: 14, groups: [4, 6, 4] },
  { name: 'jcb', prefix: (r) => String(3528 + r.int(62)), length: 16, groups: [4, 4, 4, 4] },
];

export type CardFormat = 'compact' | 'spaced' | 'dashed';

export function card(r: Random, format: CardFormat = r.pick(['compact', 'spaced', 'dashed'] as const)): { kind: string; value: string } {
  const kind = r.pick(CARD_KINDS);
  const prefix = kind.prefix(r);
  const body = prefix + r.token(kind.length - prefix.length - 1, DIGITS);
  const digits = body + luhnDigit(body);
  if (format === 'compact' || kind.groups.length === 0) return { kind: kind.name, value: digits };
  const separator = format === 'spaced' ? ' ' : '-';
  const parts: string[] = [];
  let at = 0;
  for (const size of kind.groups) {
    parts.push(digits.slice(at, at + size));
    at += size;
  }
  return { kind: kind.name, value: parts.join(separator) };
}

/** Changes one digit (the last, or a random one): Luhn and mod-97 catch every single-digit error. */
export function changeOneDigit(r: Random, value: string, last = false): string {
  const positions = [...value].flatMap((char, i) => (/\d/.test(char) ? [i] : []));
  const index = last ? (positions.at(-1) as number) : (r.pick(positions) as number);
  const digit = Number(value[index]);
  return value.slice(0, index) + String((digit + 1 + r.int(8)) % 10) + value.slice(index + 1);
}

// ---------------------------------------------------------------------------------------------
// IBANs

/** BBAN layouts: `n` digits, `a` upper-case letters, `c` letters or digits. */
const IBAN_LAYOUTS: Readonly<Record<string, string>> = {
  GB: 'aaaa' + 'n'.repeat(14),
  DE: 'n'.repeat(18),
  FR: 'n'.repeat(10) + 'c'.repeat(11) + 'nn',
  ES: 'n'.repeat(20),
  IT: 'a' + 'n'.repeat(10) + 'c'.repeat(12),
  NL: 'aaaa' + 'n'.repeat(10),
  BE: 'n'.repeat(12),
  CH: 'n'.repeat(5) + 'c'.repeat(12),
  AT: 'n'.repeat(16),
  PL: 'n'.repeat(24),
  NO: 'n'.repeat(11),
  SE: 'n'.repeat(20),
  IE: 'aaaa' + 'n'.repeat(14),
  PT: 'n'.repeat(21),
};
export const IBAN_COUNTRIES = Object.keys(IBAN_LAYOUTS);

function mod97(digits: string): number {
  let remainder = 0;
  for (const char of digits) remainder = (remainder * 10 + Number(char)) % 97;
  return remainder;
}

const toDigits = (text: string) => [...text].map((char) => (/\d/.test(char) ? char : String(char.charCodeAt(0) - 55))).join('');

export type IbanFormat = 'grouped' | 'compact' | 'lower-compact' | 'lower-grouped';

export function iban(r: Random, country: string = r.pick(IBAN_COUNTRIES), format: IbanFormat = r.pick(['grouped', 'compact', 'lower-compact', 'lower-grouped'] as const)): string {
  const layout = IBAN_LAYOUTS[country] as string;
  const bban = [...layout].map((slot) => (slot === 'n' ? r.token(1, DIGITS) : slot === 'a' ? r.token(1, UPPER) : r.token(1, UPPER + DIGITS))).join('');
  const check = String(98 - mod97(toDigits(`${bban}${country}00`))).padStart(2, '0');
  const compact = `${country}${check}${bban}`;
  const grouped = compact.replace(/(.{4})(?=.)/g, '$1 ');
  const value = format === 'grouped' || format === 'lower-grouped' ? grouped : compact;
  return format.startsWith('lower') ? value.toLowerCase() : value;
}

// ---------------------------------------------------------------------------------------------
// Emails

const FIRST = ['jane', 'john', 'maria', 'li', 'ahmed', 'sofia', 'lukas', 'chloe', 'kenji', 'olga', 'pedro', 'amara', 'noah', 'zoe'];
const LAST = ['doe', 'smith', 'garcia', 'wang', 'hassan', 'rossi', 'muller', 'martin', 'tanaka', 'ivanova', 'silva', 'okafor'];
const DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example.co.uk', 'corp.example.io', 'example.de', 'sub.example.travel', 'example-mail.fr'];

export function email(r: Random): string {
  const first = r.pick(FIRST);
  const last = r.pick(LAST);
  const local = r.pick([
    `${first}.${last}`,
    `${first}_${last}`,
    `${first[0]}${last}`,
    `${first}.${last}+${r.pick(['news', 'billing', 'test'])}`,
    `${first}${r.int(100)}`,
    `${first.toUpperCase()}.${last}`,
    `${first}-${last}`,
  ]);
  return `${local}@${r.pick(DOMAINS)}`;
}

// ---------------------------------------------------------------------------------------------
// Phone numbers: fictional ranges (NANP 555-01xx, Ofcom's drama ranges, ...) in the formats
// people use. `national` formats carry no country code.

const d = (r: Random, n: number) => r.token(n, DIGITS);

export const PHONE_FORMATS: Readonly<Record<string, (r: Random) => string>> = {
  'us-intl-parens': (r) => `+1 (${r.pick(['415', '212', '646', '312'])}) 555-01${d(r, 2)}`,
  'us-intl-dashes': (r) => `+1-${r.pick(['415', '212', '646', '312'])}-555-01${d(r, 2)}`,
  'us-intl-compact': (r) => `+1${r.pick(['415', '212', '646', '312'])}55501${d(r, 2)}`,
  'us-dashes': (r) => `${r.pick(['415', '212', '646', '312'])}-555-01${d(r, 2)}`,
  'us-dots': (r) => `${r.pick(['415', '212', '646', '312'])}.555.01${d(r, 2)}`,
  'us-parens': (r) => `(${r.pick(['415', '212', '646', '312'])}) 555-01${d(r, 2)}`,
  'us-spaces': (r) => `${r.pick(['415', '212', '646', '312'])} 555 01${d(r, 2)}`,
  'uk-intl-london': (r) => `+44 20 7946 0${d(r, 3)}`,
  'uk-intl-mobile': (r) => `+44 7700 900${d(r, 3)}`,
  'uk-intl-trunk': (r) => `+44 (0)20 7946 0${d(r, 3)}`,
  'de-intl': (r) => `+49 30 ${d(r, 8)}`,
  'de-intl-mobile': (r) => `+49 151 ${d(r, 8)}`,
  'de-intl-compact': (r) => `+4915${d(r, 9)}`,
  'fr-intl': (r) => `+33 1 ${d(r, 2)} ${d(r, 2)} ${d(r, 2)} ${d(r, 2)}`,
  'fr-intl-mobile': (r) => `+33 6 ${d(r, 2)} ${d(r, 2)} ${d(r, 2)} ${d(r, 2)}`,
  'es-intl': (r) => `+34 612 ${d(r, 3)} ${d(r, 3)}`,
  'it-intl': (r) => `+39 06 ${d(r, 4)} ${d(r, 4)}`,
  'nl-intl': (r) => `+31 20 ${d(r, 3)} ${d(r, 4)}`,
  'jp-intl': (r) => `+81 3-${d(r, 4)}-${d(r, 4)}`,
  'au-intl': (r) => `+61 2 ${d(r, 4)} ${d(r, 4)}`,
  'in-intl': (r) => `+91 98${d(r, 3)} ${d(r, 5)}`,
  'br-intl': (r) => `+55 11 9${d(r, 4)}-${d(r, 4)}`,
  'uk-national-london': (r) => `020 7946 0${d(r, 3)}`,
  'uk-national-mobile': (r) => `07700 900${d(r, 3)}`,
  'fr-national': (r) => `01 ${d(r, 2)} ${d(r, 2)} ${d(r, 2)} ${d(r, 2)}`,
  'fr-national-dots': (r) => `06.${d(r, 2)}.${d(r, 2)}.${d(r, 2)}.${d(r, 2)}`,
  'de-national': (r) => `030 ${d(r, 8)}`,
  'de-national-slash': (r) => `0151/${d(r, 8)}`,
};

export function phone(r: Random, format: string = r.pick(Object.keys(PHONE_FORMATS))): { format: string; value: string } {
  return { format, value: (PHONE_FORMATS[format] as (r: Random) => string)(r) };
}
