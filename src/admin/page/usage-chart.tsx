/**
 * Requests, refusals and tokens per day as one small SVG: bars for requests (refusals in red at
 * their foot) on the left scale, a line for tokens on the right one.
 */
import type { UsageRow } from './api-types.js';

const WIDTH = 760;
const HEIGHT = 240;
const PAD = { left: 44, right: 60, top: 16, bottom: 28 };

export interface DayPoint {
  day: string;
  requests: number;
  refusals: number;
  tokens: number;
}

/** One point per day from `from` to `to` (UTC days), zeros where the API had no row. */
export function dailyPoints(rows: UsageRow[], from: Date, to: Date): DayPoint[] {
  const byDay = new Map(rows.map((row) => [row.key.slice(0, 10), row]));
  const points: DayPoint[] = [];
  for (let day = startOfUtcDay(from); day <= to.getTime(); day += 86_400_000) {
    const key = new Date(day).toISOString().slice(0, 10);
    const row = byDay.get(key);
    points.push({ day: key, requests: row?.requests ?? 0, refusals: row?.refusals ?? 0, tokens: (row?.inputTokens ?? 0) + (row?.outputTokens ?? 0) });
  }
  return points;
}

function startOfUtcDay(date: Date): number {
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
}

/** A round maximum for a scale: 1, 2 or 5 times a power of ten. */
function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((step) => step * power >= value) ?? 10) * power;
}

function compact(value: number): string {
  return value >= 1e6 ? `${value / 1e6}M` : value >= 1e3 ? `${value / 1e3}k` : String(value);
}

export function UsageChart({ points }: { points: DayPoint[] }) {
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const maxRequests = niceMax(Math.max(...points.map((p) => p.requests), 0));
  const maxTokens = niceMax(Math.max(...points.map((p) => p.tokens), 0));
  const slot = plotW / Math.max(points.length, 1);
  const barW = Math.max(2, Math.min(28, slot * 0.6));
  const x = (i: number) => PAD.left + slot * i + slot / 2;
  const yRequests = (v: number) => PAD.top + plotH - (v / maxRequests) * plotH;
  const yTokens = (v: number) => PAD.top + plotH - (v / maxTokens) * plotH;
  const labelEvery = Math.ceil(points.length / 8);
  const line = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${yTokens(p.tokens).toFixed(1)}`).join(' ');

  return (
    <svg class="chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label="Requests, refusals and tokens per day">
      {[0, 0.5, 1].map((f) => (
        <g key={f}>
          <line class="grid" x1={PAD.left} x2={WIDTH - PAD.right} y1={PAD.top + plotH * (1 - f)} y2={PAD.top + plotH * (1 - f)} />
          <text class="axis" x={PAD.left - 6} y={PAD.top + plotH * (1 - f) + 4} text-anchor="end">{compact(maxRequests * f)}</text>
          <text class="axis tokens" x={WIDTH - PAD.right + 6} y={PAD.top + plotH * (1 - f) + 4}>{compact(maxTokens * f)}</text>
        </g>
      ))}
      {points.map((p, i) => (
        <g key={p.day}>
          <rect class="bar requests" x={x(i) - barW / 2} y={yRequests(p.requests)} width={barW} height={plotH + PAD.top - yRequests(p.requests)}>
            <title>{`${p.day}: ${p.requests} requests, ${p.refusals} refused, ${p.tokens} tokens`}</title>
          </rect>
          <rect class="bar refusals" x={x(i) - barW / 2} y={yRequests(p.refusals)} width={barW} height={plotH + PAD.top - yRequests(p.refusals)} />
          {i % labelEvery === 0 && <text class="axis" x={x(i)} y={HEIGHT - 8} text-anchor="middle">{p.day.slice(5)}</text>}
        </g>
      ))}
      <path class="line tokens" d={line} />
      {points.map((p, i) => <circle key={p.day} class="point tokens" cx={x(i)} cy={yTokens(p.tokens)} r={points.length > 40 ? 0 : 2.5} />)}
    </svg>
  );
}
