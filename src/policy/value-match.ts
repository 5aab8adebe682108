/**
 * Whether a value stands in a text, the way a person would say it does. Addresses, URLs and
 * numbers must stand whole (`b@corp.test` is not in "bob@corp.test"); names, channels and other
 * words match as a run of whole words, whatever the case, spacing or punctuation ("Bob  Miller"
 * in "pay bob miller's bill", `#general` in "the general channel"); a value with six digits or more
 * also matches with its separators dropped (`DE89 3704 0044` and `DE8937040044`).
 */

/** Shaped like something that names a place or a party: an address, a URL, a domain, a path, a long number. */
export function isAddressShaped(value: string): boolean {
  return ADDRESS.test(value) || isNumberTarget(value);
}

/** `x@y`, `scheme://`, `www.`, a domain (not a file name), an IBAN, an absolute or Windows path. */
const ADDRESS = /@|:\/\/|^www\.|^[A-Z]{2}\d{2}[A-Z0-9 ]{10,}$|^\/|\\/i;
const DOMAIN = /^[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)*\.([a-z]{2,})(\/\S*)?$/iu;
/** Extensions that make `report.pdf` a file name, not a domain. */
const FILE_EXTENSIONS = new Set(['pdf', 'txt', 'md', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'csv', 'tsv', 'json', 'xml', 'yaml', 'yml', 'png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'zip', 'gz', 'tar', 'tgz', 'rar', 'mp3', 'mp4', 'mov', 'wav', 'odt', 'ods', 'rtf', 'log', 'ts', 'js', 'py', 'rb', 'go', 'rs', 'java', 'sh', 'ini', 'toml', 'cfg', 'conf', 'bak', 'tmp', 'eml', 'ics', 'vcf', 'key', 'pem', 'html', 'htm', 'css']);

export function isDomain(value: string): boolean {
  const match = DOMAIN.exec(value);
  if (!match) return false;
  return match[3] !== undefined || !FILE_EXTENSIONS.has(match[2]!.toLowerCase());
}

/** A number as people write one, six digits or more, not a date: a phone, account or card number. */
const NUMBER_LIKE = /^\+?[\d\s().\/-]+$/;
const DATE = /^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$/;

function isNumberTarget(value: string): boolean {
  return NUMBER_LIKE.test(value) && !DATE.test(value) && value.replace(/\D/g, '').length >= 6;
}

/** A single token (no spaces) that names a place or a party. */
export function isTargetToken(value: string): boolean {
  return isAddressShaped(value) || isDomain(value);
}

const IBAN = /^[A-Z]{2}\d{2}[A-Z0-9 ]{10,}$/i;

/**
 * A whole value that names a place or a party: a single target token, or an account or phone
 * number written with spaces. Other text with spaces is free text, read for the addresses in it.
 */
export function isWholeTarget(value: string): boolean {
  if (!/\s/.test(value)) return isTargetToken(value);
  return IBAN.test(value) || isNumberTarget(value);
}

const EMAIL_IN_TEXT = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu;
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s<>"'`]+|\bwww\.[^\s<>"'`]+/giu;

/** The addresses and links inside free text: each is traced on its own, never the whole text. */
export function addressesIn(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(URL_IN_TEXT)) found.add(match[0].replace(/[.,;:!?)\]}]+$/, ''));
  for (const match of text.matchAll(EMAIL_IN_TEXT)) {
    const email = match[0].replace(/\.+$/, '');
    if (![...found].some((url) => url.includes(email))) found.add(email);
  }
  return [...found];
}

/** Whether `value` stands in `text` (see the module comment). */
export function foundIn(text: string, value: string): boolean {
  const needle = value.trim().toLowerCase();
  if (needle.length === 0) return false;
  if (!/\s/.test(needle) && isTargetToken(needle)) {
    if (containsWhole(lowered(text), needle)) return true;
    // Addresses and links match only whole; an account number may be written with other separators.
    if (/@|:\/\/|[a-z]{2,}$/.test(needle.replace(/^[a-z]{2}\d{2}/, ''))) return false;
  }
  const valueWords = words(needle);
  if (valueWords.length === 0) return false;
  const textWords = wordsOf(text);
  if (containsRun(textWords, valueWords)) return true;
  const compact = valueWords.join('');
  return compact.replace(/\D/g, '').length >= 6 && containsCompact(textWords, compact);
}

const WORD = /[\p{L}\p{N}]+/gu;

/**
 * One answer's calls trace several values through the same (possibly long) texts: each text is
 * lower-cased and split into words once. A few dozen texts are kept, then the memo starts over.
 */
const MEMO_SIZE = 64;
/** Longer texts are not kept (64 of them could hold a lot of memory): they are worked out each time. */
const MEMO_MAX_CHARS = 256 * 1024;
const loweredMemo = new Map<string, string>();
const wordsMemo = new Map<string, string[]>();

function memo<T>(cache: Map<string, T>, text: string, make: (text: string) => T): T {
  if (text.length > MEMO_MAX_CHARS) return make(text);
  let value = cache.get(text);
  if (value === undefined) {
    if (cache.size >= MEMO_SIZE) cache.clear();
    value = make(text);
    cache.set(text, value);
  }
  return value;
}

const lowered = (text: string) => memo(loweredMemo, text, (t) => t.toLowerCase());
const wordsOf = (text: string) => memo(wordsMemo, text, words);

/** Lower-cased, NFKC-folded runs of letters and digits. */
export function words(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(WORD) ?? [];
}

function containsRun(haystack: readonly string[], needle: readonly string[]): boolean {
  outer: for (let start = 0; start + needle.length <= haystack.length; start++) {
    for (let offset = 0; offset < needle.length; offset++) if (haystack[start + offset] !== needle[offset]) continue outer;
    return true;
  }
  return false;
}

/** `compact` equals whole consecutive words of the text joined without separators. */
function containsCompact(haystack: readonly string[], compact: string): boolean {
  for (let start = 0; start < haystack.length; start++) {
    let joined = '';
    for (let end = start; end < haystack.length && joined.length < compact.length; end++) {
      joined += haystack[end];
      if (!compact.startsWith(joined)) break;
      if (joined === compact) return true;
    }
  }
  return false;
}

/** Characters a value cannot follow and still be whole: it would be the tail of a longer address, host or number. */
const CONTINUES_BEFORE = /[\p{L}\p{N}_%+\-.@]/u;
/** Characters a value cannot be followed by: it would be the head of a longer address, URL or number. */
const CONTINUES_AFTER = /[\p{L}\p{N}_%+\-@/:=&?#~]/u;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/**
 * Whether `needle` (lower-cased) stands in `haystack` (lower-cased) as a whole token: a sentence's
 * full stop or comma after it is fine, and so is a prefix such as `to=` or `mailto:` before it.
 */
function containsWhole(haystack: string, needle: string): boolean {
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) {
    const before = haystack[at - 1];
    const after = haystack[at + needle.length];
    const next = haystack[at + needle.length + 1];
    const startsClean = before === undefined || !CONTINUES_BEFORE.test(before);
    const endsClean = after === undefined || !(CONTINUES_AFTER.test(after) || ((after === '.' || after === ',') && next !== undefined && LETTER_OR_DIGIT.test(next)));
    if (startsClean && endsClean) return true;
  }
  return false;
}
