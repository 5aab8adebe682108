/**
 * The regression gate: the measured numbers against bench/policy-utility-baseline.json. The
 * measurement is deterministic (no model, no clock), so the baseline is exact:
 *
 * - no injected call may be allowed unless the baseline names it: each named one is a documented
 *   limit of provenance (the scenario's `note` says why), not a tolerance;
 * - utility may fall by at most `maxUtilityDrop` (about one scenario), so a change that trades
 *   legitimate work for nothing shows up;
 * - the corpus may grow, not shrink.
 *
 * `npm run bench:policy-utility -- --update-baseline` records an improvement.
 */
import { readJsonFile, writeJsonFile } from '../lib/baseline.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Score } from './score.js';

export const BASELINE_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'policy-utility-baseline.json');

export interface ConfigBaseline {
  readonly utility: number;
  readonly attackSuccess: number;
  /** Injected scenarios this configuration knowingly lets through. */
  readonly allowedInjections: readonly string[];
}

export interface Baseline {
  readonly maxUtilityDrop: number;
  readonly legitimate: number;
  readonly injected: number;
  readonly configs: Readonly<Record<string, ConfigBaseline>>;
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;

export function toBaseline(score: Score, previous?: Pick<Baseline, 'maxUtilityDrop'>): Baseline {
  return {
    maxUtilityDrop: previous?.maxUtilityDrop ?? 0.025,
    legitimate: score.legitimate,
    injected: score.injected,
    configs: Object.fromEntries(
      score.configs.map((c) => [c.id, { utility: round(c.utility), attackSuccess: round(c.attackSuccess), allowedInjections: c.allowedInjections.map((o) => o.scenario.id).sort() }]),
    ),
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
  if (score.legitimate < baseline.legitimate) out.push(`corpus shrank: ${score.legitimate} legitimate scenarios < ${baseline.legitimate}`);
  if (score.injected < baseline.injected) out.push(`corpus shrank: ${score.injected} injected scenarios < ${baseline.injected}`);
  for (const [id, base] of Object.entries(baseline.configs)) {
    const now = score.configs.find((c) => c.id === id);
    if (!now) {
      out.push(`${id}: not measured`);
      continue;
    }
    const known = new Set(base.allowedInjections);
    for (const outcome of now.allowedInjections) {
      if (!known.has(outcome.scenario.id)) out.push(`${id}: injected call ${outcome.scenario.id} allowed (${outcome.reason})`);
    }
    if (now.utility < base.utility - baseline.maxUtilityDrop) out.push(`${id}: utility ${now.utility.toFixed(4)} < baseline ${base.utility} - ${baseline.maxUtilityDrop}`);
  }
  return out;
}
