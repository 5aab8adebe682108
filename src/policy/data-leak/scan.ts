import { DETECTORS, type Detector, type DetectorId, type DetectorKind } from './detectors.js';
import { foldForScan, originalEnd, originalStart, type ScanText } from './normalize.js';

/** A detected secret or PII value: `[start, end)` on the original (unfolded) text. */
export interface Finding {
  readonly detector: DetectorId;
  readonly kind: DetectorKind;
  readonly start: number;
  readonly end: number;
}

/** Which detectors run: ids, or a compiled set. */
export type EnabledDetectors = readonly DetectorId[] | ReadonlySet<DetectorId> | DetectorSet;

export interface DetectorSet {
  readonly detectors: readonly Detector[];
  /** The longest stretch of text that can decide one match, over these detectors. */
  readonly maxLength: number;
}

const setCache = new Map<number, DetectorSet>();

/** Resolves and caches the detectors to run, in table order (which breaks ties between overlapping findings). */
const ALL_IDS: readonly DetectorId[] = DETECTORS.map((d) => d.id);

export function compileDetectors(enabled: EnabledDetectors = ALL_IDS): DetectorSet {
  if ('detectors' in enabled) return enabled;
  const ids = enabled instanceof Set ? enabled : new Set(enabled as readonly DetectorId[]);
  let mask = 0;
  DETECTORS.forEach((d, index) => {
    if (ids.has(d.id)) mask |= 1 << index;
  });
  let set = setCache.get(mask);
  if (!set) {
    const detectors = DETECTORS.filter((_, index) => (mask & (1 << index)) !== 0);
    set = { detectors, maxLength: detectors.reduce((max, d) => Math.max(max, d.maxLength), 0) };
    setCache.set(mask, set);
  }
  return set;
}

/** A finding on folded text, before overlaps between detectors are resolved. */
export interface RawFinding {
  readonly detector: Detector;
  readonly start: number;
  readonly end: number;
}

/**
 * Runs every detector over `text` from `from` (characters before it are context for the start
 * guards only). Each detector's matches do not overlap one another; those of different detectors
 * may. A rejected candidate lets the search resume one character later; an accepted one after it.
 */
export function findRaw(text: string, from: number, set: DetectorSet): RawFinding[] {
  const found: RawFinding[] = [];
  for (const detector of set.detectors) {
    if (detector.needles && !detector.needles.some((needle) => text.includes(needle, from))) continue;
    const regex = detector.regex;
    regex.lastIndex = from;
    for (let match = regex.exec(text); match; match = regex.exec(text)) {
      const start = match.index;
      let end = start + match[0].length;
      const verdict = detector.validate ? detector.validate(match[0]) : true;
      if (typeof verdict === 'number') end = start + verdict;
      if (verdict === false || end <= start) {
        regex.lastIndex = start + 1;
        continue;
      }
      found.push({ detector, start, end });
      regex.lastIndex = end;
    }
  }
  return found;
}

/** Keeps non-overlapping findings: the earliest start wins, then the longer, then table order. */
export function resolveOverlaps(raw: readonly RawFinding[]): RawFinding[] {
  if (raw.length < 2) return [...raw];
  const order = new Map(DETECTORS.map((d, index) => [d, index]));
  const sorted = [...raw].sort((a, b) => a.start - b.start || b.end - a.end || (order.get(a.detector) as number) - (order.get(b.detector) as number));
  const kept: RawFinding[] = [];
  let end = -1;
  for (const finding of sorted) {
    if (finding.start < end) continue;
    kept.push(finding);
    end = finding.end;
  }
  return kept;
}

/** Maps folded findings (offset by `base` in the folded text) to the original text. */
export function toOriginal(raw: readonly RawFinding[], scan: ScanText, base: number, originalLength: number, offset = 0): Finding[] {
  return raw.map((finding) => ({
    detector: finding.detector.id,
    kind: finding.detector.kind,
    start: offset + originalStart(scan, finding.start - base, originalLength),
    end: offset + originalEnd(scan, finding.end - base),
  }));
}

/** Secrets and PII in `text`, on the original text's offsets, sorted and non-overlapping. */
export function scanText(text: string, enabled?: EnabledDetectors): Finding[] {
  if (text.length === 0) return [];
  const set = compileDetectors(enabled);
  const scan = foldForScan(text);
  return toOriginal(resolveOverlaps(findRaw(scan.text, 0, set)), scan, 0, text.length);
}

/** The placeholder a redacted value becomes: no quote or backslash, so it is safe inside JSON strings. */
export function placeholder(detector: DetectorId): string {
  return `[REDACTED:${detector}]`;
}

/** Replaces each finding with `[REDACTED:<detector>]`; overlapping findings after the first are skipped. */
export function redactText(text: string, findings: readonly Pick<Finding, 'detector' | 'start' | 'end'>[]): string {
  if (findings.length === 0) return text;
  const sorted = [...findings].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let cursor = 0;
  for (const finding of sorted) {
    if (finding.start < cursor || finding.end <= finding.start) continue;
    out += text.slice(cursor, finding.start) + placeholder(finding.detector);
    cursor = finding.end;
  }
  return out + text.slice(cursor);
}
