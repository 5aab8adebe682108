/**
 * The regression gate: the measured metrics against the committed baseline
 * (bench/detectors-baseline.json). Precision, recall and exact-span rate may fall, and the
 * false-positive rate rise, by at most the baseline's tolerances; anything more is a regression.
 * Improvements pass; `npm run bench:detectors -- --update-baseline` records them.
 */
import { readJsonFile, writeJsonFile } from '../lib/baseline.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Metrics, Score } from './score.js';

export const BASELINE_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'detectors-baseline.json');

type Gated = Pick<Metrics, 'precision' | 'recall' | 'fpr' | 'exactRate'>;

export interface Baseline {
  /** How far precision, recall and the exact-span rate may fall below the baseline. */
  readonly maxDrop: number;
  /** How far the false-positive rate may rise above it. */
  readonly maxFprRise: number;
  /** The corpus may grow, not shrink: fewer samples or labels would make every rate easier to hold. */
  readonly samples: number;
  readonly labels: number;
  readonly overall: Gated;
  readonly detectors: Readonly<Record<string, Gated>>;
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;
const pick = (m: Metrics): Gated => ({ precision: round(m.precision), recall: round(m.recall), fpr: round(m.fpr), exactRate: round(m.exactRate) });

export function toBaseline(score: Score, previous?: Pick<Baseline, 'maxDrop' | 'maxFprRise'>): Baseline {
  return {
    maxDrop: previous?.maxDrop ?? 0.02,
    maxFprRise: previous?.maxFprRise ?? 0.01,
    samples: score.samples,
    labels: score.labels,
    overall: pick(score.overall),
    detectors: Object.fromEntries(Object.entries(score.detectors).map(([id, m]) => [id, pick(m)])),
  };
}

export function readBaseline(file = BASELINE_FILE): Baseline {
  return readJsonFile<Baseline>(file);
}

export function writeBaseline(baseline: Baseline, file = BASELINE_FILE): void {
  writeJsonFile(file, baseline);
}

/** Each regression as one readable line; empty when the gate passes. */
export function regressions(score: Score, baseline: Baseline): string[] {
  const out: string[] = [];
  if (score.samples < baseline.samples) out.push(`corpus shrank: ${score.samples} samples < ${baseline.samples}`);
  if (score.labels < baseline.labels) out.push(`corpus shrank: ${score.labels} labels < ${baseline.labels}`);
  const check = (name: string, now: Metrics | undefined, base: Gated) => {
    if (!now) {
      out.push(`${name}: not measured`);
      return;
    }
    for (const key of ['precision', 'recall', 'exactRate'] as const) {
      if (now[key] < base[key] - baseline.maxDrop) out.push(`${name} ${key} ${now[key].toFixed(4)} < baseline ${base[key]} - ${baseline.maxDrop}`);
    }
    if (now.fpr > base.fpr + baseline.maxFprRise) out.push(`${name} fpr ${now.fpr.toFixed(4)} > baseline ${base.fpr} + ${baseline.maxFprRise}`);
  };
  check('overall', score.overall, baseline.overall);
  for (const [id, base] of Object.entries(baseline.detectors)) check(id, score.detectors[id], base);
  return out;
}
