/**
 * `npm run bench:detectors [-- --write-corpus] [--update-baseline]`: scores the data-leak detectors
 * on the labelled corpus (bench/corpora), prints the table, rewrites the results section of
 * bench/DETECTORS.md, and exits 1 on a regression against bench/detectors-baseline.json (the same
 * check test/bench/detectors-gate.test.ts runs in CI).
 *
 * --write-corpus      regenerate bench/corpora/generated-*.jsonl from the seeded generator first
 * --update-baseline   record the measured metrics as the new baseline (tolerances kept)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { settleBaseline, writeResultsSection } from '../lib/baseline.js';
import { CORPUS_DIR, loadCorpus } from './corpus.js';
import { BASELINE_FILE, type Baseline, readBaseline, regressions, toBaseline, writeBaseline } from './gate.js';
import { generateCorpus, toJsonl } from './generate.js';
import { corpusTable, limitsTable, metricsTable, missesList } from './report.js';
import { type Score, score } from './score.js';

const REPORT_FILE = join(CORPUS_DIR, '..', 'DETECTORS.md');
const START = '<!-- results:start (written by npm run bench:detectors) -->';
const END = '<!-- results:end -->';

const { values } = parseArgs({ options: { 'write-corpus': { type: 'boolean', default: false }, 'update-baseline': { type: 'boolean', default: false } } });
const log = (line: string) => process.stdout.write(`${line}\n`);

if (values['write-corpus']) {
  for (const [file, lines] of Object.entries(generateCorpus())) {
    writeFileSync(join(CORPUS_DIR, file), toJsonl(lines));
    log(`wrote bench/corpora/${file} (${lines.length} samples)`);
  }
}

const samples = loadCorpus();
const started = performance.now();
const result = score(samples);
const elapsed = performance.now() - started;

const results = [
  `Corpus: ${result.samples} scored samples (${samples.length - result.samples} documented limits apart), ${result.labels} labelled values.`,
  '',
  corpusTable(samples),
  '',
  metricsTable(result),
  '',
  'Documented limits (not gated; each is a value the detectors are not expected to find):',
  '',
  limitsTable(result),
  '',
  'Misses (false positives, false negatives, inexact spans) on the scored samples:',
  '',
  missesList(result),
].join('\n');

log(metricsTable(result));
log('');
log(limitsTable(result));
log('');
log(missesList(result, 200));
log(`\nscanned ${samples.length} samples in ${elapsed.toFixed(0)} ms`);

writeResultsSection(REPORT_FILE, START, END, results);
log('wrote bench/DETECTORS.md');

settleBaseline<Score, Baseline>({ file: BASELINE_FILE, read: () => readBaseline(), write: (baseline) => writeBaseline(baseline), toBaseline, regressions }, result, values['update-baseline'] === true, log);
