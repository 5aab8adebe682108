import { DETECTORS, type Detector, type DetectorId, type DetectorKind } from './detectors.js';
import { foldForScan, originalEnd, originalStart, type ScanText } from './normalize.js';

/** A detected secret or PII value: `[start, end)` on the original (unfolded) text. */
export interface Finding<Id extends string = DetectorId> {
  readonly detector: Id;
  readonly kind: DetectorKind;
  readonly start: number;
  readonly end: number;
  /** What the value becomes when redacted, for a detector with its own `replace`. */
  readonly replacement?: string;
}

/** Which detectors run: ids, or a compiled set. */
export type EnabledDetectors = readonly DetectorId[] | ReadonlySet<DetectorId> | DetectorSet;

export interface DetectorSet<Id extends string = DetectorId> {
  readonly detectors: readonly Detector<Id>[];
  /** The longest stretch of text that can decide one match, over these detectors. */
  readonly maxLength: number;
}

const setCache = new Map<number, DetectorSet>();

/** Resolves and caches the detectors to run, in table order (which breaks ties between overlapping findings). */
const ALL_IDS: readonly DetectorId[] = DETECTORS.map((d) => d.id);

export function compileDetectors(enabled?: EnabledDetectors): DetectorSet;
export function compileDetectors<Id extends string>(enabled: DetectorSet<Id>): DetectorSet<Id>;
export function compileDetectors(enabled: EnabledDetectors | DetectorSet<string> = ALL_IDS): DetectorSet<string> {
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
export interface RawFinding<Id extends string = DetectorId> {
  readonly detector: Detector<Id>;
  readonly start: number;
  readonly end: number;
  /** The detector's own replacement of the (folded) match, if it has one. */
  readonly replacement?: string;
}

/**
 * Runs every detector over `text` from `from` (characters before it are context for the start
 * guards only). Each detector's matches do not overlap one another; those of different detectors
 * may. A rejected candidate lets the search resume one character later; an accepted one after it.
 */
export function findRaw<Id extends string>(text: string, from: number, set: DetectorSet<Id>): RawFinding<Id>[] {
  const found: RawFinding<Id>[] = [];
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
      found.push(detector.replace ? { detector, start, end, replacement: detector.replace(text.slice(start, end)) } : { detector, start, end });
      regex.lastIndex = end;
    }
  }
  return found;
}

/** Keeps non-overlapping findings: the earliest start wins, then the longer, then table order. */
export function resolveOverlaps<Id extends string>(raw: readonly RawFinding<Id>[]): RawFinding<Id>[] {
  if (raw.length < 2) return [...raw];
  const order = new Map<Detector<string>, number>(DETECTORS.map((d, index) => [d, index]));
  // A detector from outside the table ranks after it.
  const rank = (detector: Detector<string>) => order.get(detector) ?? DETECTORS.length;
  const sorted = [...raw].sort((a, b) => a.start - b.start || b.end - a.end || rank(a.detector) - rank(b.detector));
  const kept: RawFinding<Id>[] = [];
  let end = -1;
  for (const finding of sorted) {
    if (finding.start < end) continue;
    kept.push(finding);
    end = finding.end;
  }
  return kept;
}

/** Maps folded findings (offset by `base` in the folded text) to the original text. */
export function toOriginal<Id extends string>(raw: readonly RawFinding<Id>[], scan: ScanText, base: number, originalLength: number, offset = 0): Finding<Id>[] {
  return raw.map((finding) => {
    const original = {
      detector: finding.detector.id,
      kind: finding.detector.kind,
      start: offset + originalStart(scan, finding.start - base, originalLength),
      end: offset + originalEnd(scan, finding.end - base),
    };
    return finding.replacement === undefined ? original : { ...original, replacement: finding.replacement };
  });
}

/** Secrets and PII in `text`, on the original text's offsets, sorted and non-overlapping. */
export function scanText(text: string, enabled?: EnabledDetectors): Finding[];
export function scanText<Id extends string>(text: string, enabled: DetectorSet<Id>): Finding<Id>[];
export function scanText(text: string, enabled?: EnabledDetectors | DetectorSet<string>): Finding<string>[] {
  if (text.length === 0) return [];
  const set = compileDetectors(enabled as DetectorSet<string>);
  const scan = foldForScan(text);
  return toOriginal(resolveOverlaps(findRaw(scan.text, 0, set)), scan, 0, text.length);
}

/** The placeholder a redacted value becomes: no quote or backslash, so it is safe inside JSON strings. */
export function placeholder(detector: string): string {
  return `[REDACTED:${detector}]`;
}

/**
 * Replaces each finding with its `replacement`, or `[REDACTED:<detector>]`; overlapping findings
 * after the first are skipped.
 */
export function redactText(text: string, findings: readonly Pick<Finding<string>, 'detector' | 'start' | 'end' | 'replacement'>[]): string {
  if (findings.length === 0) return text;
  const sorted = [...findings].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let cursor = 0;
  for (const finding of sorted) {
    if (finding.start < cursor || finding.end <= finding.start) continue;
    out += text.slice(cursor, finding.start) + (finding.replacement ?? placeholder(finding.detector));
    cursor = finding.end;
  }
  return out + text.slice(cursor);
}
