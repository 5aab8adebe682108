import { UsageError } from './usage-error.js';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

/**
 * A `--since`/`--until` value as an ISO-8601 time: a span back from `now` (`30m`, `24h`, `7d`,
 * `2w`), a day (`2026-12-01`, its start in UTC) or a full time (`2026-12-01T12:00:00Z`).
 */
export function parseWindowEdge(flag: string, text: string, now: number): string {
  const span = /^(\d{1,6})([mhdw])$/.exec(text);
  if (span) return new Date(now - Number(span[1]) * UNIT_MS[span[2] as keyof typeof UNIT_MS]).toISOString();
  if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(text)) {
    const at = new Date(text.length === 10 ? `${text}T00:00:00Z` : text);
    if (!Number.isNaN(at.getTime())) return at.toISOString();
  }
  throw new UsageError(`--${flag} must be a span back from now (30m, 24h, 7d, 2w), a day (2026-12-01, UTC) or a time (2026-12-01T12:00:00Z); got "${text}".`);
}
