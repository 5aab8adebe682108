/**
 * How long an upstream asks to be left alone, in ms, from its `retry-after-ms` (OpenAI's,
 * fractional ms) or `Retry-After` (delay-seconds or an HTTP-date) header. Null when it says
 * nothing usable: no header, garbage, a negative number, a date that cannot be parsed. A date
 * already past means "now" (0).
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | null {
  const ms = parseNumber(headers.get('retry-after-ms'));
  if (ms !== null) return ms;
  const value = headers.get('retry-after')?.trim();
  if (!value) return null;
  const seconds = parseNumber(value);
  if (seconds !== null) return seconds * 1000;
  // An HTTP-date always names a weekday and a month: a bare word or a negative number is no date.
  if (!/^[A-Za-z]{3},? /.test(value)) return null;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** A finite non-negative decimal number, or null. */
function parseNumber(value: string | null): number | null {
  if (value === null || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}
