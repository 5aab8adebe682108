import { describe, expect, it } from 'vitest';
import { findJsonSyntaxError } from './json-syntax-error.js';

/** Valid and invalid JSON at the grammar's corners; the walk must agree with JSON.parse on each. */
const TEXTS = [
  '{}', ' [] ', '0', '-0.5E-3', '1e5', '12.25e+2', '"\\u00e9\\n\\"\\\\\\/"', '"\u2028 é 🙂"', 'true', 'null',
  '{"a":[1,{"b":null}],"c":"d"}', '\n{\n\t"a" : 1\r\n}\n',
  '', ' ', '01', '1.', '.5', '+1', '-', '1e', 'NaN', 'Infinity', 'tru', 'nul', 'True', '"\\x"', '"\\u12g4"',
  '"a\tb"', '"open', '[1,]', '[,1]', '{,}', '{"a" 1}', '{"a":}', '{"a":1}}', '{a:1}', "{'a':1}", '[1 2]', '{"a":1,,"b":2}',
] as const;

describe('findJsonSyntaxError', () => {
  it.each(TEXTS)('agrees with JSON.parse on %j', (text) => {
    let valid = true;
    try {
      JSON.parse(text);
    } catch {
      valid = false;
    }
    expect(findJsonSyntaxError(text) === undefined).toBe(valid);
  });

  it('counts lines and columns from 1, columns restarting after each line break', () => {
    expect(findJsonSyntaxError('x')).toEqual({ line: 1, column: 1, problem: 'expected a value, found "x"' });
    expect(findJsonSyntaxError('{\r\n  "a": 1,\r\n  "b": x\r\n}')).toEqual({ line: 3, column: 8, problem: 'expected a value, found "x"' });
    expect(findJsonSyntaxError('[\n\n   1\n   2]')).toEqual({ line: 4, column: 4, problem: 'expected "," or "]", found "2"' });
  });
});
