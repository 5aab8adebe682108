/**
 * What the detectors scan: the text folded with NFKC (full-width digits and letters, ligatures,
 * no-break spaces become their ASCII forms) and stripped of invisible characters (zero-width
 * space/joiners, word joiner, BOM, soft hyphen, bidi controls), with a map from each scanned
 * character back to the original string so that findings are reported, and redacted, on the
 * original text.
 *
 * NFKC is applied one code point at a time: compositions across code points (a letter followed
 * by a combining accent) are not performed. The detectors only match ASCII, so this changes no
 * finding, and it keeps the fold context-free, which the stream redactor relies on.
 */
export interface ScanText {
  /** The folded text. */
  readonly text: string;
  /**
   * `starts[i]`/`ends[i]`: the original span of the code point that produced `text[i]`; `null`
   * when the text is unchanged by the fold (pure ASCII, the common case).
   */
  readonly starts: Int32Array | null;
  readonly ends: Int32Array | null;
}

/** Invisible characters removed before scanning. */
const INVISIBLE = /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0]/;
const NON_ASCII = /[^\x00-\x7F]/;

const foldCache = new Map<number, string>();
const FOLD_CACHE_LIMIT = 4096;

function fold(codePoint: number): string {
  let folded = foldCache.get(codePoint);
  if (folded !== undefined) return folded;
  const char = String.fromCodePoint(codePoint);
  folded = INVISIBLE.test(char) || (codePoint >= 0xe0000 && codePoint <= 0xe007f) /* tag characters */ ? '' : char.normalize('NFKC');
  if (foldCache.size >= FOLD_CACHE_LIMIT) foldCache.clear();
  foldCache.set(codePoint, folded);
  return folded;
}

export function foldForScan(text: string): ScanText {
  if (!NON_ASCII.test(text)) return { text, starts: null, ends: null };
  let out = '';
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < text.length; ) {
    const unit = text.charCodeAt(i);
    let width = 1;
    let folded: string;
    if (unit < 0x80) {
      folded = text[i] as string;
    } else {
      const codePoint = text.codePointAt(i) as number;
      width = codePoint > 0xffff ? 2 : 1;
      // A lone surrogate folds to itself.
      folded = unit >= 0xd800 && unit <= 0xdfff && width === 1 ? (text[i] as string) : fold(codePoint);
    }
    for (let k = 0; k < folded.length; k++) {
      starts.push(i);
      ends.push(i + width);
    }
    out += folded;
    i += width;
  }
  return { text: out, starts: Int32Array.from(starts), ends: Int32Array.from(ends) };
}

/** Original offset at which folded offset `index` begins (`originalLength` at the end). */
export function originalStart(scan: ScanText, index: number, originalLength: number): number {
  if (!scan.starts) return index;
  return index < scan.starts.length ? (scan.starts[index] as number) : originalLength;
}

/** Original offset at which the folded character before `index` ends. */
export function originalEnd(scan: ScanText, index: number): number {
  if (!scan.ends) return index;
  return index === 0 ? 0 : (scan.ends[index - 1] as number);
}
