/**
 * `npm run bench:policy-utility [-- --update-baseline]`: runs the agent scenarios
 * (bench/corpora/agent-scenarios) through the policy engine under each configuration, prints the
 * table, rewrites the results section of bench/POLICY-UTILITY.md, and exits 1 on a regression
 * against bench/policy-utility-baseline.json (the same check test/bench/policy-utility-gate.test.ts
 * runs in CI). Deterministic: the same engine and corpus give the same file on any machine.
 *
 * --update-baseline   record the measured numbers as the new baseline (tolerance kept)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CONFIGS } from './configs.js';
import { loadScenarios, TAGS } from './corpus.js';
import { BASELINE_FILE, readBaseline, regressions, toBaseline, writeBaseline } from './gate.js';
import { breakdownTable, consoleOutcomes, corpusTable, outcomesSection, resultsTable, tagsTable } from './report.js';
import { score } from './score.js';

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
for (const config of result.configs.filter((c) => c.id === 'default' || c.id === 'sensible')) log(`${consoleOutcomes(config)}\n`);

const report = readFileSync(REPORT_FILE, 'utf8');
const from = report.indexOf(START);
const to = report.indexOf(END);
if (from < 0 || to < from) throw new Error(`${REPORT_FILE}: results markers missing`);
writeFileSync(REPORT_FILE, `${report.slice(0, from + START.length)}\n${results}\n${report.slice(to)}`);
log('wrote bench/POLICY-UTILITY.md');

if (values['update-baseline']) {
  let previous;
  try {
    previous = readBaseline();
  } catch {
    previous = undefined;
  }
  writeBaseline(toBaseline(result, previous));
  log(`wrote ${BASELINE_FILE}`);
} else {
  const failed = regressions(result, readBaseline());
  if (failed.length > 0) {
    log(`\nREGRESSION against bench/policy-utility-baseline.json:\n${failed.map((line) => `  ${line}`).join('\n')}`);
    process.exitCode = 1;
  } else {
    log('\nno regression against bench/policy-utility-baseline.json');
  }
}
