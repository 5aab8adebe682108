/**
 * Scores the detectors against the labelled corpus, span by span (see bench/DETECTORS.md,
 * "What is measured"):
 *
 * - a finding is a true positive when it overlaps a labelled value of the same detector (each
 *   label matched once); `exact` counts those whose span is the label's, character for character;
 * - precision = matched findings / findings; recall = matched labels / labels;
 * - false-positive rate, per sample: of the samples with no label of detector D, the share where D
 *   reports anything. Overall: of the samples with no label at all, the share with any finding.
 *
 * Samples tagged `limit` are left out of all of it and reported one by one.
 */
import { type DetectorId, scanText } from '../../src/policy/data-leak/index.js';
import type { Sample } from './corpus.js';
import type { GoldSpan } from './markup.js';

/**
 * The detectors under benchmark. Pinned rather than read from DETECTOR_IDS: a detector joins when
 * its corpus does, and a new one cannot silently change these numbers through overlap resolution.
 */
export const BENCHED: readonly DetectorId[] = [
  'openai_key',
  'anthropic_key',
  'aws_access_key',
  'github_token',
  'slack_token',
  'google_api_key',
  'private_key',
  'email',
  'phone',
  'credit_card',
  'iban',
];

export interface Span {
  readonly detector: string;
  readonly start: number;
  readonly end: number;
}

export type Scanner = (text: string) => readonly Span[];

export const scanBenched: Scanner = (text) => scanText(text, BENCHED);

export interface Counts {
  labels: number;
  findings: number;
  /** Labels matched by a finding (one finding per label, so also the findings that matched). */
  found: number;
  /** Matched labels whose finding has exactly the label's span. */
  exact: number;
  /** Samples with no label of this detector (overall: with no label at all). */
  negatives: number;
  /** Of those, the samples where it reported something. */
  flaggedNegatives: number;
}

export interface Metrics extends Counts {
  precision: number;
  recall: number;
  fpr: number;
  /** Exact spans / labels. */
  exactRate: number;
}

export interface Miss {
  readonly sample: string;
  readonly kind: 'false-positive' | 'false-negative' | 'inexact';
  readonly detector: string;
  /** The text of the span (truncated), for reading the report. */
  readonly text: string;
}

export interface LimitResult {
  readonly sample: string;
  readonly tags: readonly string[];
  readonly detector: string;
  readonly found: boolean;
}

export interface Score {
  readonly samples: number;
  readonly labels: number;
  readonly detectors: Readonly<Record<string, Metrics>>;
  readonly overall: Metrics;
  readonly misses: readonly Miss[];
  readonly limits: readonly LimitResult[];
}

const emptyCounts = (): Counts => ({ labels: 0, findings: 0, found: 0, exact: 0, negatives: 0, flaggedNegatives: 0 });

function toMetrics(c: Counts): Metrics {
  return {
    ...c,
    precision: c.findings === 0 ? 1 : c.found / c.findings,
    recall: c.labels === 0 ? 1 : c.found / c.labels,
    fpr: c.negatives === 0 ? 0 : c.flaggedNegatives / c.negatives,
    exactRate: c.labels === 0 ? 1 : c.exact / c.labels,
  };
}

const overlaps = (a: Span, b: Span) => a.detector === b.detector && a.start < b.end && b.start < a.end;

const excerpt = (text: string, span: Span) => {
  const value = text.slice(span.start, span.end);
  return value.length > 48 ? `${value.slice(0, 45)}...` : value;
};

/** Pairs each label with at most one overlapping finding of its detector, in order. */
function match(gold: readonly GoldSpan[], findings: readonly Span[]): Map<number, number> {
  const pairs = new Map<number, number>(); // label index -> finding index
  const taken = new Set<number>();
  gold.forEach((label, i) => {
    const j = findings.findIndex((finding, k) => !taken.has(k) && overlaps(label, finding));
    if (j >= 0) {
      pairs.set(i, j);
      taken.add(j);
    }
  });
  return pairs;
}

export function score(samples: readonly Sample[], scan: Scanner = scanBenched, detectors: readonly string[] = BENCHED): Score {
  const counts = new Map(detectors.map((id) => [id, emptyCounts()]));
  const overall = emptyCounts();
  const misses: Miss[] = [];
  const limits: LimitResult[] = [];
  let scored = 0;

  for (const sample of samples) {
    const findings = scan(sample.text).filter((finding) => counts.has(finding.detector));
    const pairs = match(sample.gold, findings);
    if (sample.limit) {
      sample.gold.forEach((label, i) => limits.push({ sample: sample.id, tags: sample.tags, detector: label.detector, found: pairs.has(i) }));
      continue;
    }
    scored++;
    const matchedFindings = new Set(pairs.values());
    for (const [id, c] of counts) {
      const labels = sample.gold.filter((label) => label.detector === id);
      const own = findings.filter((finding) => finding.detector === id);
      c.labels += labels.length;
      c.findings += own.length;
      if (labels.length === 0) {
        c.negatives++;
        if (own.length > 0) c.flaggedNegatives++;
      }
    }
    sample.gold.forEach((label, i) => {
      const c = counts.get(label.detector) as Counts;
      const j = pairs.get(i);
      if (j === undefined) {
        misses.push({ sample: sample.id, kind: 'false-negative', detector: label.detector, text: excerpt(sample.text, label) });
        return;
      }
      c.found++;
      const finding = findings[j] as Span;
      if (finding.start === label.start && finding.end === label.end) c.exact++;
      else misses.push({ sample: sample.id, kind: 'inexact', detector: label.detector, text: `${excerpt(sample.text, finding)} (label: ${excerpt(sample.text, label)})` });
    });
    findings.forEach((finding, j) => {
      if (!matchedFindings.has(j)) misses.push({ sample: sample.id, kind: 'false-positive', detector: finding.detector, text: excerpt(sample.text, finding) });
    });
    if (sample.gold.length === 0) {
      overall.negatives++;
      if (findings.length > 0) overall.flaggedNegatives++;
    }
  }

  for (const c of counts.values()) {
    overall.labels += c.labels;
    overall.findings += c.findings;
    overall.found += c.found;
    overall.exact += c.exact;
  }
  return {
    samples: scored,
    labels: overall.labels,
    detectors: Object.fromEntries([...counts].map(([id, c]) => [id, toMetrics(c)])),
    overall: toMetrics(overall),
    misses,
    limits,
  };
}
