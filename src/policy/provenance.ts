import { safeParseJson } from '../providers/shared/json.js';
import type { ArgumentProvenance, ContextVerdict } from './types.js';

/**
 * Values that name where an action goes or whom it touches: email addresses, URLs and domains,
 * phone and account numbers (a value that is a number: digits inside an id such as
 * `msg_20240514_0931` do not make it one), paths. These are what an injected instruction needs to
 * control.
 */
const TARGET_PATTERN = /@|:\/\/|^www\.|\.[a-z]{2,}(\/|$)|^[A-Z]{2}\d{2}[A-Z0-9 ]{10,}$|^\/|\\/i;
/** A number as people write one (`+1 (415) 555-0100`, `12345678`): digits and separators only. */
const NUMBER_LIKE = /^\+?[\d\s().\/-]+$/;

/** A date (`2024-05-14`, `14/05/2024`, `14.05.2024`): says when, not where or to whom. */
const DATE = /^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$/;

function isTarget(value: string): boolean {
  if (TARGET_PATTERN.test(value)) return true;
  // Six digits or more: a phone, account or card number.
  return NUMBER_LIKE.test(value) && !DATE.test(value) && value.replace(/\D/g, '').length >= 6;
}

/**
 * Traces each target-like string in a tool call's arguments to the message it came from. A value
 * counts as trusted when the user, the system or a trusted tool wrote it; untrusted when it
 * appears only in untrusted content; unknown when it appears nowhere.
 */
export function traceArguments(argumentsJson: string, verdict: ContextVerdict): ArgumentProvenance[] {
  const parsed = safeParseJson(argumentsJson);
  if (!parsed.success) return [{ path: '$', value: argumentsJson.slice(0, 200), source: 'unknown' }];
  const traces: ArgumentProvenance[] = [];
  for (const [path, value] of stringLeaves(parsed.value, '$')) {
    if (!isTarget(value)) continue;
    traces.push(trace(path, value, verdict));
  }
  return traces;
}

function trace(path: string, value: string, verdict: ContextVerdict): ArgumentProvenance {
  const needle = value.toLowerCase();
  if (needle === '') return { path, value, source: 'unknown' };
  const trusted = verdict.trustedTexts.find((entry) => containsWhole(entry.text, needle));
  if (trusted) return { path, value, source: 'trusted', messageIndex: trusted.messageIndex };
  const untrusted = verdict.untrustedTexts.find((entry) => containsWhole(entry.text, needle));
  if (untrusted) return { path, value, source: 'untrusted', messageIndex: untrusted.messageIndex };
  return { path, value, source: 'unknown' };
}

/** Characters a value cannot follow and still be whole: it would be the tail of a longer address, host or number. */
const CONTINUES_BEFORE = /[\p{L}\p{N}_%+\-.@]/u;
/** Characters a value cannot be followed by: it would be the head of a longer address, URL or number. */
const CONTINUES_AFTER = /[\p{L}\p{N}_%+\-@/:=&?#~]/u;
const WORD = /[\p{L}\p{N}]/u;

/**
 * Whether `needle` (lower-cased) stands in `text` as a whole token: `b@corp.test` is not in
 * "bob@corp.test", nor `1234567` in "order 12345678", nor `https://x.test/a` in
 * "https://x.test/a/b". A sentence's full stop or comma after it is fine, and so is a prefix such
 * as `to=` or `mailto:` before it.
 */
function containsWhole(text: string, needle: string): boolean {
  const haystack = text.toLowerCase();
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) {
    const before = haystack[at - 1];
    const after = haystack[at + needle.length];
    const next = haystack[at + needle.length + 1];
    const startsClean = before === undefined || !CONTINUES_BEFORE.test(before);
    const endsClean = after === undefined || !(CONTINUES_AFTER.test(after) || ((after === '.' || after === ',') && next !== undefined && WORD.test(next)));
    if (startsClean && endsClean) return true;
  }
  return false;
}

function* stringLeaves(value: unknown, path: string): Generator<[string, string]> {
  if (typeof value === 'string') {
    yield [path, value.trim()];
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* stringLeaves(item, `${path}[${index}]`);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) yield* stringLeaves(item, `${path}.${key}`);
  }
}
