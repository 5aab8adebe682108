/** bench/DETECTORS.md and the console table: the measured metrics, the limits, and the misses. */
import type { Sample } from './corpus.js';
import type { Metrics, Score } from './score.js';

const pct = (value: number) => `${(value * 100).toFixed(1)}%`;

function row(name: string, m: Metrics): string {
  return `| ${name} | ${m.labels} | ${m.findings} | ${m.found} | ${pct(m.precision)} | ${pct(m.recall)} | ${pct(m.exactRate)} | ${m.flaggedNegatives}/${m.negatives} | ${pct(m.fpr)} |`;
}

export function metricsTable(score: Score): string {
  return [
    '| detector | labels | findings | matched | precision | recall | exact span | flagged negatives | FPR |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...Object.entries(score.detectors).map(([id, m]) => row(id, m)),
    row('**overall**', score.overall),
  ].join('\n');
}

/** Samples per file and group. */
export function corpusTable(samples: readonly Sample[]): string {
  const counts = new Map<string, { positive: number; negative: number; mixed: number; limit: number; labels: number }>();
  for (const sample of samples) {
    const c = counts.get(sample.file) ?? { positive: 0, negative: 0, mixed: 0, limit: 0, labels: 0 };
    if (sample.limit) c.limit++;
    else c[sample.group]++;
    c.labels += sample.gold.length;
    counts.set(sample.file, c);
  }
  const lines = [...counts].map(([file, c]) => `| \`${file}\` | ${c.positive} | ${c.negative} | ${c.mixed} | ${c.limit} | ${c.labels} |`);
  return ['| file | positive | negative | mixed | limit | labels |', '|---|---:|---:|---:|---:|---:|', ...lines, `| total | | | | | ${samples.length} samples |`].join('\n');
}

/** Documented limits: how many of each kind the detectors still catch (expected: none). */
export function limitsTable(score: Score): string {
  const byKind = new Map<string, { found: number; total: number }>();
  for (const result of score.limits) {
    const kind = result.tags.find((tag) => tag.startsWith('obfuscation:') || tag.startsWith('limit:')) ?? 'limit';
    const c = byKind.get(kind) ?? { found: 0, total: 0 };
    c.total++;
    if (result.found) c.found++;
    byKind.set(kind, c);
  }
  return ['| limit | found / labelled |', '|---|---:|', ...[...byKind].map(([kind, c]) => `| ${kind} | ${c.found}/${c.total} |`)].join('\n');
}

export function missesList(score: Score, max = 40): string {
  if (score.misses.length === 0) return 'None.';
  const lines = score.misses.slice(0, max).map((m) => `- ${m.kind} \`${m.detector}\` in \`${m.sample}\`: \`${m.text.replace(/`/g, "'").replace(/\n/g, '\\n')}\``);
  if (score.misses.length > max) lines.push(`- ... and ${score.misses.length - max} more`);
  return lines.join('\n');
}
