import { describe, expect, it } from 'vitest';
import { retryAfterMs } from './retry-after.js';
import { backoffMs } from './retry.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const hint = (headers: Record<string, string>) => retryAfterMs(new Headers(headers), NOW);

describe('retryAfterMs: how long an upstream asks to wait', () => {
  it('reads delay-seconds (whole or decimal), an HTTP-date, and retry-after-ms (which wins)', () => {
    expect(hint({ 'retry-after': '7' })).toBe(7_000);
    expect(hint({ 'retry-after': '0.5' })).toBe(500);
    expect(hint({ 'retry-after': '86400' })).toBe(86_400_000);
    expect(hint({ 'retry-after': 'Sun, 01 Jun 2025 12:00:30 GMT' })).toBe(30_000);
    expect(hint({ 'retry-after-ms': '1234.5' })).toBe(1234.5);
    expect(hint({ 'retry-after-ms': '20', 'retry-after': '9' })).toBe(20);
  });

  it('a date already past means now; garbage, negative numbers and no header mean nothing', () => {
    expect(hint({ 'retry-after': 'Sun, 01 Jun 2025 11:00:00 GMT' })).toBe(0);
    for (const value of ['-5', '-0.1', 'soon', '1e3', '0x10', 'Infinity', '', ' ', '2025-06-01', 'Sun, 99 Foo 2025 99:99:99 GMT']) {
      expect(hint({ 'retry-after': value }), value).toBeNull();
    }
    expect(hint({ 'retry-after-ms': '-1' })).toBeNull();
    expect(hint({ 'retry-after-ms': 'NaN', 'retry-after': '3' })).toBe(3_000);
    expect(hint({})).toBeNull();
  });
});

describe('backoffMs: jittered exponential backoff', () => {
  it('doubles from baseDelayMs up to maxDelayMs, less up to a quarter at random', () => {
    const policy = { baseDelayMs: 400, maxDelayMs: 1_000 };
    const samples = (attempt: number) => Array.from({ length: 200 }, () => backoffMs(attempt, policy));
    for (const [attempt, full] of [[1, 400], [2, 800], [3, 1_000], [9, 1_000]] as const) {
      const delays = samples(attempt);
      expect(Math.min(...delays), `attempt ${attempt}`).toBeGreaterThanOrEqual(full * 0.75);
      expect(Math.max(...delays), `attempt ${attempt}`).toBeLessThanOrEqual(full);
      // Jittered: many clients failing together do not come back together.
      expect(new Set(delays).size, `attempt ${attempt}`).toBeGreaterThan(10);
    }
  });
});
