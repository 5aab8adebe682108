import { describe, expect, it } from 'vitest';
import { parseWindowEdge } from './usage-window.js';

const NOW = Date.parse('2026-12-06T12:00:00.000Z');

describe('--since / --until', () => {
  it('a span back from now, a UTC day, or a full time', () => {
    expect(parseWindowEdge('since', '30m', NOW)).toBe('2026-12-06T11:30:00.000Z');
    expect(parseWindowEdge('since', '24h', NOW)).toBe('2026-12-05T12:00:00.000Z');
    expect(parseWindowEdge('since', '7d', NOW)).toBe('2026-11-29T12:00:00.000Z');
    expect(parseWindowEdge('since', '2w', NOW)).toBe('2026-11-22T12:00:00.000Z');
    expect(parseWindowEdge('since', '2026-12-01', NOW)).toBe('2026-12-01T00:00:00.000Z');
    expect(parseWindowEdge('until', '2026-12-01T12:30:00+01:00', NOW)).toBe('2026-12-01T11:30:00.000Z');
  });

  it('anything else is refused, naming the flag and the forms it takes', () => {
    for (const bad of ['7', '7y', 'yesterday', '2026-13-45', '2026-12-01T25:00:00Z', '']) {
      expect(() => parseWindowEdge('until', bad, NOW)).toThrow(`--until must be a span back from now (30m, 24h, 7d, 2w), a day (2026-12-01, UTC) or a time (2026-12-01T12:00:00Z); got "${bad}".`);
    }
  });
});
