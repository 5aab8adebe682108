import { describe, expect, it } from 'vitest';
import { nestsDeeperThan } from './json-depth.js';

describe('nestsDeeperThan', () => {
  it('counts arrays and objects, at the limit and one past it', () => {
    expect(nestsDeeperThan('{"a":[{"b":[]}]}', 4)).toBe(false);
    expect(nestsDeeperThan('{"a":[{"b":[]}]}', 3)).toBe(true);
    expect(nestsDeeperThan('[[],[],[[]]]', 3)).toBe(false);
    expect(nestsDeeperThan('[[],[],[[[]]]]', 3)).toBe(true);
    expect(nestsDeeperThan('1', 0)).toBe(false);
  });

  it('brackets inside strings, escaped quotes and backslashes included, do not count', () => {
    expect(nestsDeeperThan(JSON.stringify({ text: '[[[[{{{{' }), 1)).toBe(false);
    expect(nestsDeeperThan(JSON.stringify({ text: 'say "[[[[" \\ and \\"{{{{' }), 1)).toBe(false);
    expect(nestsDeeperThan(JSON.stringify({ text: 'ends in a backslash \\', next: [[1]] }), 2)).toBe(true);
    expect(nestsDeeperThan(JSON.stringify({ text: 'ends in a backslash \\', next: [[1]] }), 3)).toBe(false);
  });

  it('takes 100,000 levels without recursion', () => {
    expect(nestsDeeperThan('['.repeat(100_000) + ']'.repeat(100_000), 512)).toBe(true);
  });
});
