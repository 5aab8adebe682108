import { describe, expect, test } from 'vitest';
import { addressesIn, foundIn, isDomain, isTargetToken } from './value-match.js';

describe('foundIn', () => {
  test('addresses stand whole', () => {
    expect(foundIn('Reply to bob.miller@partner.test please', 'bob.miller@partner.test')).toBe(true);
    expect(foundIn('Reply to xbob.miller@partner.test please', 'bob.miller@partner.test')).toBe(false);
    expect(foundIn('order 12345678', '1234567')).toBe(false);
  });
  test('names match as whole words whatever the case, spacing and punctuation', () => {
    expect(foundIn("pay Bob  Miller's bill", 'bob miller')).toBe(true);
    expect(foundIn('post in the General channel', '#general')).toBe(true);
    expect(foundIn('ask Bobby Miller', 'Bob Miller')).toBe(false);
  });
  test('account and phone numbers match with their separators dropped', () => {
    expect(foundIn('IBAN DE89 3704 0044 0532 0130 00.', 'DE89370400440532013000')).toBe(true);
    expect(foundIn('IBAN DE8937040044053201300099.', 'DE89370400440532013000')).toBe(false);
    expect(foundIn('call +1 (415) 555-0100', '+1 415 555 0100')).toBe(true);
  });
});

describe('shapes', () => {
  test('a file name is not a domain; an id is not a target', () => {
    expect(isDomain('report.pdf')).toBe(false);
    expect(isDomain('evil.test')).toBe(true);
    expect(isTargetToken('msg_20240514_0931')).toBe(false);
  });
  test('free text gives its addresses and links, not itself', () => {
    expect(addressesIn('see https://x.test/a?b=1. and mail bob@corp.test, ok')).toEqual(['https://x.test/a?b=1', 'bob@corp.test']);
    expect(addressesIn('Meeting at 10:00, room 4.')).toEqual([]);
  });
});
