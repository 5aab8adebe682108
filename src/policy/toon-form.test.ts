import { decode } from '@toon-format/toon';
import { describe, expect, it } from 'vitest';
import { toonForm } from './toon-form.js';

const TABLE = { users: [{ id: 1, name: 'Ada', role: 'admin' }, { id: 2, name: 'Bob', role: 'user' }, { id: 3, name: 'Cy', role: 'user' }] };

describe('toonForm', () => {
  it('a uniform array of objects becomes a shorter TOON table that decodes to the same value', () => {
    for (const text of [JSON.stringify(TABLE), JSON.stringify(TABLE, null, 2)]) {
      const toon = toonForm(text);
      expect(toon).toBe('users[3]{id,name,role}:\n  1,Ada,admin\n  2,Bob,user\n  3,Cy,user');
      expect(decode(toon!)).toEqual(TABLE);
    }
  });

  it('a deeply nested small object, whose TOON is longer, is left as it came', () => {
    expect(toonForm('{"a":{"b":{"c":{"d":{"e":1}}}}}')).toBeNull();
    expect(toonForm('[[[[1]]]]')).toBeNull();
  });

  it('text that is not a JSON object or array is left as it came', () => {
    for (const text of ['plain words', '"a JSON string"', '42', 'null', '{not json', '']) expect(toonForm(text)).toBeNull();
  });

  it('JSON whose values TOON could not carry exactly (precision, non-canonical numbers, escapes) is left as it came', () => {
    const rows = (value: string) => `{"rows":[{"id":${value},"n":"a"},{"id":2,"n":"b"},{"id":3,"n":"c"},{"id":4,"n":"d"}]}`;
    expect(toonForm(rows('1'))).not.toBeNull();
    expect(toonForm(rows('12345678901234567890'))).toBeNull();
    expect(toonForm(rows('1.50'))).toBeNull();
    expect(toonForm(rows('1e3'))).toBeNull();
    expect(toonForm(rows('"\\u00e9"'))).toBeNull();
  });

  it('JSON nested too deep to parse is left as it came, without throwing', () => {
    expect(toonForm('['.repeat(20_000) + ']'.repeat(20_000))).toBeNull();
  });
});
