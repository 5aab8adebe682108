import type { Detector } from '../data-leak/detectors.js';
import type { DetectorSet } from '../data-leak/scan.js';
import { decodeReferences, type HostAllowlist, judgeAddress } from './hosts.js';

export const EXFIL_LINK = 'exfil_link';
export type ExfilLinkId = typeof EXFIL_LINK;

/**
 * The exfiltration-link detector: a detector of the data-leak machinery (`regex`, `partial`,
 * `maxLength`), so the very same scanners find it in JSON answers and the very same stream
 * redactor holds back a link split across deltas until its address is known.
 *
 * It finds the constructs a client renders as a request or a link, and keeps those whose address
 * is relative or allowed:
 * - markdown images and links `![alt](url "title")`, `[text](<url>)`, and reference definitions
 *   `[label]: url` (which `![alt][label]` uses). A bracket text that is long or nested is not
 *   needed: the `](url` or `]: url` part is enough on its own, so `[![a](x)](y)` is caught too;
 * - autolinks `<https://…>`;
 * - HTML tags carrying an address anywhere (`<img src>`, `srcset`, `style="background:url(…)"`,
 *   `onerror="…'https://…'"`), with character references decoded.
 *
 * Limits, by design: bare URLs in prose are kept (a client may make them clickable, but nothing is
 * fetched and the address is in plain sight); an HTML tag is judged on its first 2,048 characters;
 * an address longer than 2,048 characters is neutralised from its start, the rest left as text.
 * In a stream, text after something that may still become one of these (`![…`, `](…` without its
 * `)`, an unclosed `<tag`) waits until it is decided: at most about 2,500 characters.
 */

/** Longest bracket text kept whole in a replacement (longer ones are caught by their `](`). */
const TEXT = 128;
/** Longest address read. */
const ADDRESS = 2048;
/** Longest link title. */
const TITLE = 256;
/** Longest HTML tag read. */
const TAG = 2048;

const WS = String.raw`\s{0,8}`;
const ANGLE = `<[^<>\\n]{0,${ADDRESS}}>?`;
const TITLE_PART = `(?:\\s{1,8}(?:"[^"]{0,${TITLE}}"|'[^']{0,${TITLE}}'|\\([^()]{0,${TITLE}}\\)))?`;
/** `](url "title")`: an inline destination (no spaces or parentheses unless in `<…>`). */
const INLINE = `\\(${WS}(?:${ANGLE}|[^\\s<>()]{1,${ADDRESS}})${TITLE_PART}${WS}\\)?`;
/** `]: url "title"`: a reference definition's destination. */
const REFERENCE = `:${WS}(?:${ANGLE}|[^\\s<>]{1,${ADDRESS}})${TITLE_PART}`;
const MARKDOWN = `(?:!?\\[[^\\[\\]]{0,${TEXT}})?\\](?:${INLINE}|${REFERENCE})`;
const AUTOLINK = `<[a-z][a-z0-9+.-]{1,31}:[^\\s<>]{0,${ADDRESS}}>`;
const HTML_TAG = `<[a-z][a-z0-9-]{0,31}(?=[\\s/>])[^>]{0,${TAG}}>?`;

/** What could still grow into a match, up to the end of the text (see `Detector.partial`). */
const OPEN_BRACKET_TAIL = `\\](?:\\([^)]{0,${ADDRESS + TITLE + 32}}|:\\s{0,8}(?:\\S{1,${ADDRESS}}(?:\\s{1,8}(?:["'(][^\\n]{0,${TITLE}})?)?)?)?`;
const PARTIAL = [
  `!`,
  `!?\\[[^\\[\\]]{0,${TEXT}}(?:${OPEN_BRACKET_TAIL})?`,
  OPEN_BRACKET_TAIL,
  `<(?:[a-z][a-z0-9+.-]{0,31}(?:[\\s/][^>]{0,${TAG}}|:[^\\s<>]{0,${ADDRESS}})?)?`,
].join('|');

/** Above the longest match and the longest partial (bracket text, address, title, and their punctuation and spaces). */
const MAX_LENGTH = TEXT + ADDRESS + TITLE + 64;

/** The start of an address in an HTML tag: after `=`, a quote, `(`, `,` or a space. */
const TAG_ADDRESS = /(?<=^|[\s"'=(,])(?:(?:[a-z][a-z0-9+.-]{0,31}:)?[/\\]{2}|(?:https?|ftps?|wss?):)[^\s"'<>`]*/gi;
const IMAGE_TAG = /^<(?:img|image)[\s/>]/i;
const AUTOLINK_WHOLE = new RegExp(`^${AUTOLINK}$`, 'i');

/** A match's verdict: null to keep it, or what it becomes. */
function judge(match: string, allows: HostAllowlist): string | null {
  if (match[0] === '<') return AUTOLINK_WHOLE.test(match) ? judgeAutolink(match, allows) : judgeTag(match, allows);
  // Markdown: the first `]` closes the text (which holds none), `(` or `:` follows it.
  const close = match.indexOf(']');
  const inline = match[close + 1] === '(';
  const rest = match.slice(close + 2).replace(/^\s+/, '');
  let address: string;
  if (rest[0] === '<') {
    const end = rest.indexOf('>');
    address = rest.slice(1, end < 0 ? undefined : end);
  } else address = ((inline ? /^[^\s<>()]*/ : /^[^\s<>]*/).exec(rest) as RegExpExecArray)[0];
  const host = judgeAddress(address, allows);
  if (host === null) return null;
  if (close === 0) return `] [link removed: ${host}]`;
  const image = match[0] === '!';
  const text = match.slice(image ? 2 : 1, close).trim();
  const placeholder = `[${image ? 'image' : 'link'} removed: ${host}]`;
  return text === '' ? placeholder : `${text} ${placeholder}`;
}

function judgeAutolink(match: string, allows: HostAllowlist): string | null {
  const host = judgeAddress(match.slice(1, -1), allows);
  return host === null ? null : `[link removed: ${host}]`;
}

function judgeTag(match: string, allows: HostAllowlist): string | null {
  const kind = IMAGE_TAG.test(match) ? 'image' : 'link';
  // A quoted value still open at the `>` goes on past it (`alt="a>b" src=…`): the tag is longer
  // than what was read, and cannot be judged on it.
  if (match.endsWith('>') && hasOpenValue(match)) return `[${kind} removed: html]`;
  const decoded = decodeReferences(match).replace(/[\t\n\r]/g, '');
  TAG_ADDRESS.lastIndex = 0;
  for (let found = TAG_ADDRESS.exec(decoded); found; found = TAG_ADDRESS.exec(decoded)) {
    const host = judgeAddress(found[0], allows);
    if (host !== null) return `[${kind} removed: ${host}]`;
  }
  return null;
}

/** Whether an attribute value opened by a quote after `=` is not closed in `tag`. */
function hasOpenValue(tag: string): boolean {
  for (let i = tag.indexOf('='); i >= 0; i = tag.indexOf('=', i + 1)) {
    let j = i + 1;
    while (j < tag.length && /\s/.test(tag[j] as string)) j++;
    const quote = tag[j];
    if (quote !== '"' && quote !== "'") continue;
    const end = tag.indexOf(quote, j + 1);
    if (end < 0) return true;
    i = end;
  }
  return false;
}

/** The host a placeholder names (for the audit row), from a replacement this detector made. */
export function removedHost(replacement: string): string {
  const named = /removed: ([^\]]*)\]$/.exec(replacement);
  return named ? (named[1] as string) : '';
}

/**
 * The detector for one list of allowed hosts. Its regular expressions are its own (they carry
 * `lastIndex`), so build one per configuration and keep it.
 */
export function createExfilLinkDetector(allows: HostAllowlist): DetectorSet<ExfilLinkId> {
  // `validate` and `replace` see the same match one after the other: judge it once.
  let last: { match: string; verdict: string | null } | null = null;
  const verdict = (match: string): string | null => {
    if (last?.match !== match) last = { match, verdict: judge(match, allows) };
    return last.verdict;
  };
  const detector: Detector<ExfilLinkId> = {
    id: EXFIL_LINK,
    kind: 'link',
    regex: new RegExp(`${MARKDOWN}|${AUTOLINK}|${HTML_TAG}`, 'gi'),
    partial: new RegExp(`(?:${PARTIAL})$`, 'gi'),
    maxLength: MAX_LENGTH,
    // Every construct has a `]` or a `<`: text without either is not scanned at all.
    needles: [']', '<'],
    validate: (match) => verdict(match) !== null,
    replace: (match) => verdict(match) ?? match,
  };
  return { detectors: [detector], maxLength: MAX_LENGTH };
}
