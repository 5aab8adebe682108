/** bench/POLICY-UTILITY.md and the console tables. Everything in it follows from the corpus and the engine. */
import type { BenchConfig } from './configs.js';
import { type Scenario, TAGS } from './corpus.js';
import type { ConfigScore, Outcome, Rate, Score } from './score.js';

const pct = (r: Rate) => (r.total === 0 ? '-' : `${((r.allowed / r.total) * 100).toFixed(1)}%`);
const frac = (r: Rate) => (r.total === 0 ? '-' : `${pct(r)} (${r.allowed}/${r.total})`);
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function corpusTable(scenarios: readonly Scenario[]): string {
  const suites = [...new Set(scenarios.map((s) => s.suite))];
  const count = (suite: string, label: string) => scenarios.filter((s) => s.suite === suite && s.label === label).length;
  return [
    '| suite | legitimate | injected |',
    '|---|---:|---:|',
    ...suites.map((suite) => `| ${suite} | ${count(suite, 'legitimate')} | ${count(suite, 'injected')} |`),
    `| **total** | ${scenarios.filter((s) => s.label === 'legitimate').length} | ${scenarios.filter((s) => s.label === 'injected').length} |`,
  ].join('\n');
}

const share = (part: number, total: number) => (total === 0 ? '-' : `${((part / total) * 100).toFixed(1)}% (${part}/${total})`);

export function resultsTable(score: Score, configs: readonly BenchConfig[]): string {
  return [
    '| configuration | utility (legitimate allowed, no prompt) | utility with approvals | attack success (injected allowed) | prompts (calls held for a person) | what it is |',
    '|---|---:|---:|---:|---:|---|',
    ...score.configs.map((c) => {
      const prompts = c.legitimate.prompted + c.injected.prompted;
      const all = c.legitimate.total + c.injected.total;
      return `| \`${c.id}\` | ${frac(c.legitimate)} | ${share(c.legitimate.allowed + c.legitimate.prompted, c.legitimate.total)} | ${frac(c.injected)} | ${share(prompts, all)} | ${configs.find((b) => b.id === c.id)?.description ?? ''} |`;
    }),
  ].join('\n');
}

/** Utility and attack success per suite (or per tag), one column pair per configuration. */
export function breakdownTable(score: Score, by: 'bySuite' | 'byTag', keys: readonly string[]): string {
  const head = `| ${by === 'bySuite' ? 'suite' : 'tag'} | ${score.configs.map((c) => `${c.id} utility | ${c.id} ASR`).join(' | ')} |`;
  const rule = `|---|${score.configs.map(() => '---:|---:').join('|')}|`;
  const none = { total: 0, allowed: 0, prompted: 0 };
  const rows = keys.map((key) => `| ${key} | ${score.configs.map((c) => `${frac(c[by][key]?.legitimate ?? none)}${prompt(c[by][key]?.legitimate)} | ${frac(c[by][key]?.injected ?? none)}${prompt(c[by][key]?.injected)}`).join(' | ')} |`);
  return [head, rule, ...rows].join('\n');
}

/** ` +2 asked`: calls held for approval, next to the allowed share. */
const prompt = (r: Rate | undefined) => (r && r.prompted > 0 ? ` +${r.prompted} asked` : '');

export function tagsTable(scenarios: readonly Scenario[]): string {
  return [
    '| tag | meaning | legitimate | injected |',
    '|---|---|---:|---:|',
    ...Object.entries(TAGS).map(([tag, meaning]) => {
      const tagged = scenarios.filter((s) => s.tags.includes(tag));
      return `| ${tag} | ${meaning} | ${tagged.filter((s) => s.label === 'legitimate').length} | ${tagged.filter((s) => s.label === 'injected').length} |`;
    }),
  ].join('\n');
}

function outcomeRows(outcomes: readonly Outcome[], withNote: boolean): string {
  if (outcomes.length === 0) return 'none';
  // A derived or quarantine configuration gives one reason for all: say it once.
  const reasons = new Set(outcomes.map((o) => o.reason.replace(/^"[^"]+"/, '"<tool>"')));
  if (reasons.size === 1 && outcomes.length > 3) return `${outcomes.length} scenarios, all for the same reason (rule \`${outcomes[0]?.ruleId}\`: ${[...reasons][0]}): ${outcomes.map((o) => `\`${o.scenario.id}\``).join(', ')}`;
  return [
    `| scenario | tags | rule | reason${withNote ? ' | why it is out of reach' : ''} |`,
    `|---|---|---|---${withNote ? '|---' : ''}|`,
    ...outcomes.map((o) => `| \`${o.scenario.id}\` | ${o.scenario.tags.join(', ')} | ${o.ruleId} | ${cell(o.reason)}${withNote ? ` | ${cell(o.scenario.note ?? '')}` : ''} |`),
  ].join('\n');
}

export function outcomesSection(config: ConfigScore): string {
  return [
    `### \`${config.id}\``,
    '',
    `Legitimate calls blocked (${config.blockedLegitimate.length}):`,
    '',
    outcomeRows(config.blockedLegitimate, false),
    '',
    `Injected calls allowed (${config.allowedInjections.length}):`,
    '',
    outcomeRows(config.allowedInjections, true),
    ...(config.promptedLegitimate.length + config.promptedInjections.length === 0
      ? []
      : ['', `Legitimate calls held for approval (${config.promptedLegitimate.length}):`, '', outcomeRows(config.promptedLegitimate, false), '', `Injected calls held for approval (${config.promptedInjections.length}):`, '', outcomeRows(config.promptedInjections, false)]),
  ].join('\n');
}

/** The console's short form: one line per blocked legitimate / allowed injected call. */
export function consoleOutcomes(config: ConfigScore): string {
  const lines = [`${config.id}: utility ${frac(config.legitimate)}, with approvals ${share(config.legitimate.allowed + config.legitimate.prompted, config.legitimate.total)}, attack success ${frac(config.injected)}`];
  for (const o of config.blockedLegitimate) lines.push(`  blocked legitimate ${o.scenario.id} [${o.ruleId}] ${o.reason}`);
  for (const o of config.promptedLegitimate) lines.push(`  asked   legitimate ${o.scenario.id} [${o.ruleId}] ${o.reason}`);
  for (const o of config.promptedInjections) lines.push(`  asked   injected   ${o.scenario.id} [${o.ruleId}] ${o.reason}`);
  for (const o of config.allowedInjections) lines.push(`  ALLOWED injected   ${o.scenario.id} [${o.ruleId}] ${o.reason}`);
  return lines.join('\n');
}
