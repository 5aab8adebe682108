/**
 * What the gated benchmarks (`bench:detectors`, `bench:policy-utility`) share: the results section
 * they rewrite in their Markdown report, and their baseline file, which `--update-baseline`
 * rewrites and every other run is checked against (exit code 1 on a regression).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

/** Replaces what stands between the `start` and `end` markers of a Markdown file. */
export function writeResultsSection(file: string, start: string, end: string, results: string): void {
  const report = readFileSync(file, 'utf8');
  const from = report.indexOf(start);
  const to = report.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file}: results markers missing`);
  writeFileSync(file, `${report.slice(0, from + start.length)}\n${results}\n${report.slice(to)}`);
}

export function readJsonFile<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

export function writeJsonFile(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

export interface BaselineGate<Result, Baseline> {
  file: string;
  read(): Baseline;
  write(baseline: Baseline): void;
  /** The new baseline from a result, keeping the previous one's tolerances. */
  toBaseline(result: Result, previous: Baseline | undefined): Baseline;
  /** Each regression as one readable line; empty when the gate passes. */
  regressions(result: Result, baseline: Baseline): string[];
}

/** `--update-baseline` records `result`; otherwise it is checked and a regression sets the exit code. */
export function settleBaseline<Result, Baseline>(gate: BaselineGate<Result, Baseline>, result: Result, update: boolean, log: (line: string) => void): void {
  const name = `bench/${basename(gate.file)}`;
  if (update) {
    let previous: Baseline | undefined;
    try {
      previous = gate.read();
    } catch {
      previous = undefined;
    }
    gate.write(gate.toBaseline(result, previous));
    log(`wrote ${gate.file}`);
    return;
  }
  const failed = gate.regressions(result, gate.read());
  if (failed.length > 0) {
    log(`\nREGRESSION against ${name}:\n${failed.map((line) => `  ${line}`).join('\n')}`);
    process.exitCode = 1;
  } else {
    log(`\nno regression against ${name}`);
  }
}
