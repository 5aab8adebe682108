import { describe, expect, it } from 'vitest';
import { periodAt } from './calendar.js';

const iso = (period: { start: number; end: number }) => [new Date(period.start).toISOString(), new Date(period.end).toISOString()];

describe('calendar periods in a time zone', () => {
  it('a day, a week from Monday and a month in UTC', () => {
    const at = Date.parse('2026-03-01T12:00:00Z');
    expect(iso(periodAt(at, 'day', 'UTC'))).toEqual(['2026-03-01T00:00:00.000Z', '2026-03-02T00:00:00.000Z']);
    expect(iso(periodAt(at, 'week', 'UTC'))).toEqual(['2026-02-23T00:00:00.000Z', '2026-03-02T00:00:00.000Z']);
    expect(iso(periodAt(at, 'month', 'UTC'))).toEqual(['2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z']);
  });

  it('local midnight across a DST change: March in New York starts at -5 h and ends at -4 h', () => {
    expect(iso(periodAt(Date.parse('2026-03-31T23:00:00-04:00'), 'month', 'America/New_York'))).toEqual(['2026-03-01T05:00:00.000Z', '2026-04-01T04:00:00.000Z']);
    // The day clocks go forward is 23 hours long.
    expect(iso(periodAt(Date.parse('2026-03-08T12:00:00-04:00'), 'day', 'America/New_York'))).toEqual(['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
  });

  it('a zone ahead of UTC: already the next month there', () => {
    expect(iso(periodAt(Date.parse('2026-01-31T20:00:00Z'), 'month', 'Asia/Tokyo'))).toEqual(['2026-01-31T15:00:00.000Z', '2026-02-28T15:00:00.000Z']);
  });
});
