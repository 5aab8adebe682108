/**
 * Calendar periods (day, week from Monday, month) in an IANA time zone, as instants (ms). Local
 * midnight is found from the zone's offset, asked of `Intl` (no time-zone library needed): the
 * offset at a first guess, then at the corrected instant, which settles a DST change in between.
 */
export type CalendarUnit = 'day' | 'week' | 'month';

export interface Period {
  start: number;
  end: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short' });
    formatters.set(timeZone, format);
  }
  return format;
}

const WEEKDAYS: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

/** The wall clock in `timeZone` at `at`. */
function wallClock(at: number, timeZone: string) {
  const parts: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(at)) parts[part.type] = part.value;
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour), minute: Number(parts.minute), second: Number(parts.second), weekday: WEEKDAYS[parts.weekday!] ?? 0 };
}

/** How far `timeZone`'s wall clock is ahead of UTC at `at` (ms). */
function offsetAt(at: number, timeZone: string): number {
  const wall = wallClock(at, timeZone);
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second) - Math.floor(at / 1000) * 1000;
}

/** The instant of local midnight starting the given local date (fields may overflow: day 32 is next month's 1st). */
function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day);
  const first = guess - offsetAt(guess, timeZone);
  return guess - offsetAt(first, timeZone);
}

/** The last period asked for, per unit and zone: most requests fall in it, and `Intl` is not free. */
const lastPeriods = new Map<string, Period>();

/** The day, week (Monday first) or month `at` falls in, in `timeZone`. */
export function periodAt(at: number, unit: CalendarUnit, timeZone: string): Period {
  const key = `${unit} ${timeZone}`;
  const last = lastPeriods.get(key);
  if (last && last.start <= at && at < last.end) return last;
  const period = computePeriod(at, unit, timeZone);
  lastPeriods.set(key, period);
  return period;
}

function computePeriod(at: number, unit: CalendarUnit, timeZone: string): Period {
  const { year, month, day, weekday } = wallClock(at, timeZone);
  if (unit === 'day') return { start: localMidnight(year, month, day, timeZone), end: localMidnight(year, month, day + 1, timeZone) };
  if (unit === 'week') return { start: localMidnight(year, month, day - weekday, timeZone), end: localMidnight(year, month, day - weekday + 7, timeZone) };
  return { start: localMidnight(year, month, 1, timeZone), end: localMidnight(year, month + 1, 1, timeZone) };
}
