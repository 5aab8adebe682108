/**
 * The checks a detector's candidate match must pass beyond its pattern: checksums (Luhn for cards,
 * mod-97 for IBANs), issuer lengths, and the shapes that look like a phone number or an address
 * but are not one. Each takes the match and says whether it stands (or how much of it does).
 */

/** Luhn checksum over the digits of `text` (other characters ignored). */
export function luhnValid(text: string): boolean {
  let sum = 0;
  let double = false;
  let digits = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    const code = text.charCodeAt(i) - 48;
    if (code < 0 || code > 9) continue;
    digits++;
    let value = code;
    if (double) {
      value *= 2;
      if (value > 9) value -= 9;
    }
    sum += value;
    double = !double;
  }
  return digits > 0 && sum % 10 === 0;
}

/** ISO 13616 mod-97 check of a compact, upper-case IBAN. */
export function ibanChecksumValid(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const code = rearranged.charCodeAt(i);
    if (code >= 48 && code <= 57) remainder = (remainder * 10 + (code - 48)) % 97;
    else if (code >= 65 && code <= 90) remainder = (remainder * 100 + (code - 55)) % 97;
    else return false;
  }
  return remainder === 1;
}

/** IBAN length per country (SWIFT IBAN registry). */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24,
  DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27,
  GT: 28, HN: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20,
  LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24,
  PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25,
  SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
};

/**
 * An IBAN candidate may have run into the words after it (`GB82 WEST … 32 is mine`): keep exactly
 * the country's length of characters, which must end a group, and check mod-97.
 */
export function validateIban(match: string): number | false {
  const country = match.slice(0, 2).toUpperCase();
  const length = IBAN_LENGTHS[country];
  if (length === undefined) return false;
  let compact = '';
  let end = -1;
  for (let i = 0; i < match.length; i++) {
    const char = match[i] as string;
    if (char === ' ') continue;
    compact += char;
    if (compact.length === length) {
      end = i + 1;
      break;
    }
  }
  if (end < 0) return false;
  if (end < match.length && match[end] !== ' ') return false;
  return ibanChecksumValid(compact.toUpperCase()) ? end : false;
}

/** Printed groupings: 4-4-4-4, 4-4-4-4-3 (19 digits), Amex 4-6-5, Diners 4-6-4. */
const CARD_GROUPINGS = new Set(['4-4-4-4', '4-4-4-4-3', '4-6-5', '4-6-4']);

/** Issuer prefix and length: Visa, Mastercard (51–55, 2221–2720), Amex, Diners, JCB, Discover/UnionPay/Maestro (6). */
function cardIssuerLengthValid(digits: string): boolean {
  const length = digits.length;
  const two = Number(digits.slice(0, 2));
  switch (digits[0]) {
    case '4':
      return length === 13 || length === 16 || length === 19;
    case '5':
      return two >= 51 && two <= 55 && length === 16;
    case '2': {
      const four = Number(digits.slice(0, 4));
      return four >= 2221 && four <= 2720 && length === 16;
    }
    case '3':
      if (two === 34 || two === 37) return length === 15;
      if (two === 30 || two === 36 || two === 38 || two === 39) return length === 14 || length === 16;
      if (two === 35) return length >= 16 && length <= 19;
      return false;
    case '6':
      return length >= 16 && length <= 19;
    default:
      return false;
  }
}

export function validateCard(match: string): boolean {
  const digits = match.replace(/\D/g, '');
  if (!cardIssuerLengthValid(digits)) return false;
  const separators = match.replace(/\d/g, '');
  if (separators.length > 0) {
    if (!/^( +|-+)$/.test(separators)) return false; // one kind of separator
    if (!CARD_GROUPINGS.has(match.split(/[ -]/).map((group) => group.length).join('-'))) return false;
  }
  return luhnValid(digits);
}

/** `+48.858844`, `+1234567.89`: a signed decimal (a coordinate, an amount), not a number to call. */
const SIGNED_DECIMAL = /^\+\d+\.\d+$/;

export function validatePhone(match: string): boolean {
  // National forms with a trunk prefix (`020 7946 0958`, `030 12345678`): 10–12 digits in all, so
  // short groups of a date or an id that happen to start with 0 are not taken for one.
  if (match[0] === '0') {
    const digits = match.replace(/\D/g, '').length;
    return digits >= 10 && digits <= 12;
  }
  if (match[0] !== '+') return true;
  if (SIGNED_DECIMAL.test(match)) return false;
  const digits = match.replace(/\D/g, '').length;
  if (digits < 8 || digits > 15) return false;
  const opens = match.split('(').length - 1;
  const closes = match.split(')').length - 1;
  return opens === closes && opens <= 1;
}

/** `icon@2x.png` is a file name, not an address. */
const FILE_EXTENSION_TLD = /\.(?:png|jpe?g|gif|svg|webp|ico|bmp|tiff?|avif)$/i;

export function validateEmail(match: string): boolean {
  return !FILE_EXTENSION_TLD.test(match);
}
