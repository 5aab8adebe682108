import { START_GUARD_LOOKBEHIND } from './detectors.js';
import { foldForScan, originalStart } from './normalize.js';
import { compileDetectors, type DetectorSet, type EnabledDetectors, type Finding, findRaw, redactText, resolveOverlaps, toOriginal } from './scan.js';
import type { DetectorId } from './detectors.js';

export interface StreamRedactorOptions {
  /**
   * The most characters held back at once. By default, the longest stretch of text that can
   * decide a match of the enabled detectors, which makes the concatenated output exactly
   * `redactText(whole, scanText(whole))`. A smaller value bounds the delay, at the price that a
   * match longer than it (a long PEM block) can be released partly unredacted.
   */
  readonly holdBack?: number;
}

export interface StreamRedactor<Id extends string = DetectorId> {
  /** Takes the next text delta; returns the text that is safe to emit now (possibly empty). */
  push(delta: string): string;
  /** The end of the stream: returns everything still held, redacted. One redactor per stream. */
  flush(): string;
  /** Everything found so far, on offsets of the whole original stream. */
  readonly findings: readonly Finding<Id>[];
  /** How many characters are held back right now. */
  readonly held: number;
}

/** Folded characters of emitted text kept as look-behind context for the next scan. */
const CONTEXT = START_GUARD_LOOKBEHIND + 11;

/**
 * Redacts secrets and PII in a stream of text deltas (a streamed answer's text, a tool call's
 * streamed arguments), catching a value split across deltas.
 *
 * After each delta the held text is scanned again; it is released up to the first position from
 * which the text could still grow into a match (each detector's `partial` pattern decides), never
 * cutting through a match, and redacted as a whole text would be. Prose, which cannot start a
 * match, is released at once, except for the last word or number, which could.
 */
export function createStreamRedactor(enabled?: EnabledDetectors, options?: StreamRedactorOptions): StreamRedactor;
export function createStreamRedactor<Id extends string>(enabled: DetectorSet<Id>, options?: StreamRedactorOptions): StreamRedactor<Id>;
export function createStreamRedactor(enabled?: EnabledDetectors | DetectorSet<string>, options: StreamRedactorOptions = {}): StreamRedactor<string> {
  const set = compileDetectors(enabled as DetectorSet<string>);
  const holdBack = options.holdBack;
  const findings: Finding<string>[] = [];
  let buffer = '';
  /** Folded tail of what was emitted: context for the start guards. */
  let context = '';
  /** Original characters emitted so far. */
  let emitted = 0;

  function holdPoint(text: string, base: number, end: number): number {
    // A trailing high surrogate is half a code point whose fold is unknown yet (𝟒 folds to 4): hold
    // it, and judge the text before it as if the text ended there.
    const last = text.charCodeAt(end - 1);
    const pendingHalf = last >= 0xd800 && last <= 0xdbff;
    const known = pendingHalf ? text.slice(0, end - 1) : text;
    let hold = known.length;
    for (const detector of set.detectors) {
      const partial = detector.partial;
      partial.lastIndex = Math.max(base, known.length - detector.maxLength - 2);
      const match = partial.exec(known);
      if (match && match.index < hold) hold = match.index;
    }
    return Math.max(hold, base);
  }

  function drain(final: boolean): string {
    if (buffer.length === 0) return '';
    const scan = foldForScan(buffer);
    const text = context + scan.text;
    const base = context.length;
    const end = text.length;
    let cut = end;
    if (!final) {
      cut = holdPoint(text, base, end);
      if (holdBack !== undefined) cut = Math.max(cut, end - holdBack);
      // Everything held is still undecided (a key or a PEM block arriving): no need to scan.
      if (cut === base) return '';
    }
    const raw = findRaw(text, base, set);
    if (!final) {
      // Never cut through a match, nor between the characters one code point folds into.
      for (let moved = true; moved; ) {
        moved = false;
        for (const finding of raw) {
          if (finding.start < cut && finding.end > cut) {
            cut = finding.start;
            moved = true;
          }
        }
        while (scan.starts && cut > base && cut < end && scan.starts[cut - base] === scan.starts[cut - base - 1]) {
          cut--;
          moved = true;
        }
      }
    }
    const originalCut = cut === end ? buffer.length : originalStart(scan, cut - base, buffer.length);
    if (originalCut === 0) return '';
    const kept = resolveOverlaps(raw.filter((finding) => finding.start < cut));
    const local = toOriginal(kept, scan, base, buffer.length);
    for (const finding of local) findings.push({ ...finding, start: finding.start + emitted, end: finding.end + emitted });
    const out = redactText(buffer.slice(0, originalCut), local);
    context = text.slice(Math.max(0, cut - CONTEXT), cut);
    emitted += originalCut;
    buffer = buffer.slice(originalCut);
    return out;
  }

  return {
    push(delta: string): string {
      if (delta.length === 0) return '';
      buffer += delta;
      return drain(false);
    },
    flush(): string {
      return drain(true);
    },
    get findings() {
      return findings;
    },
    get held() {
      return buffer.length;
    },
  };
}
