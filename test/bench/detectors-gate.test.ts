/**
 * SECURITY-TESTS.md X7, the benchmark gate: the data-leak detectors, scored on the labelled corpus
 * in bench/corpora, must hold precision, recall, exact spans and false-positive rate within the
 * tolerances of bench/detectors-baseline.json. `npm run bench:detectors` prints the same numbers
 * and rewrites bench/DETECTORS.md; `-- --update-baseline` records an improvement.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS_DIR, loadCorpus } from '../../bench/detectors/corpus.js';
import { readBaseline, regressions } from '../../bench/detectors/gate.js';
import { generateCorpus, toJsonl } from '../../bench/detectors/generate.js';
import { scanBenched, score } from '../../bench/detectors/score.js';

const samples = loadCorpus();
const baseline = readBaseline();

describe('X7: data-leak detector benchmark gate', () => {
  it('the generated corpus files are what the seeded generator makes (npm run bench:detectors -- --write-corpus)', () => {
    for (const [file, lines] of Object.entries(generateCorpus())) {
      expect(readFileSync(join(CORPUS_DIR, file), 'utf8'), file).toBe(toJsonl(lines));
    }
  });

  it('no detector regresses beyond the baseline tolerances', () => {
    const result = score(samples);
    expect(regressions(result, baseline)).toEqual([]);
  });

  it('the gate catches a detector that stops finding anything, and one that over-reports', () => {
    const blind = score(samples, (text) => scanBenched(text).filter((finding) => finding.detector !== 'iban'));
    expect(regressions(blind, baseline)).toContainEqual(expect.stringMatching(/^iban recall/));
    const noisy = score(samples, (text) => [...scanBenched(text), { detector: 'email', start: 0, end: Math.min(3, text.length) }]);
    expect(regressions(noisy, baseline)).toContainEqual(expect.stringMatching(/^email fpr/));
  });
});
