/**
 * `npm run bench:policy-utility [-- --update-baseline]`: runs the agent scenarios
 * (bench/corpora/agent-scenarios) through the policy engine under each configuration, prints the
 * table, rewrites the results section of bench/POLICY-UTILITY.md, and exits 1 on a regression
 * against bench/policy-utility-baseline.json (the same check test/bench/policy-utility-gate.test.ts
 * runs in CI). Deterministic: the same engine and corpus give the same file on any machine.
 *
 * --update-baseline   record the measured numbers as the new baseline (tolerance kept)
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { settleBaseline, writeResultsSection } from '../lib/baseline.js';
import { CONFIGS } from './configs.js';
import { loadScenarios, TAGS } from './corpus.js';
import { BASELINE_FILE, type Baseline, readBaseline, regressions, toBaseline, writeBaseline } from './gate.js';
import { breakdownTable, consoleOutcomes, corpusTable, outcomesSection, resultsTable, tagsTable } from './report.js';
import { type Score, score } from './score.js';

const REPORT_FILE = join(BASELINE_FILE, '..', 'POLICY-UTILITY.md');
const START = '<!-- results:start (written by npm run bench:policy-utility) -->';
const END = '<!-- results:end -->';

const { values } = parseArgs({ options: { 'update-baseline': { type: 'boolean', default: false } } });
const log = (line: string) => process.stdout.write(`${line}\n`);

const scenarios = loadScenarios();
const result = score(scenarios, CONFIGS);
const suites = [...new Set(scenarios.map((s) => s.suite))];

const results = [
  `Corpus: ${result.scenarios} scenarios, ${result.legitimate} legitimate and ${result.injected} injected.`,
  '',
  corpusTable(scenarios),
  '',
  tagsTable(scenarios),
  '',
  '### Results',
  '',
  resultsTable(result, CONFIGS),
  '',
  'Per suite:',
  '',
  breakdownTable(result, 'bySuite', suites),
  '',
  'Per tag (the hard cases):',
  '',
  breakdownTable(result, 'byTag', Object.keys(TAGS)),
  '',
  ...result.configs.flatMap((config) => [outcomesSection(config), '']),
].join('\n');

log(resultsTable(result, CONFIGS));
log('');
log(breakdownTable(result, 'bySuite', suites));
log('');
for (const config of result.configs.filter((c) => c.id === 'default' || c.id === 'sensible' || c.id === 'declared')) log(`${consoleOutcomes(config)}\n`);

writeResultsSection(REPORT_FILE, START, END, results);
log('wrote bench/POLICY-UTILITY.md');

settleBaseline<Score, Baseline>({ file: BASELINE_FILE, read: () => readBaseline(), write: (baseline) => writeBaseline(baseline), toBaseline, regressions }, result, values['update-baseline'] === true, log);
