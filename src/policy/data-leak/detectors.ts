/**
 * The data-leak detectors: one table, each with a global regular expression compiled once, an
 * optional validator (Luhn, mod-97, structural checks) and what the stream redactor needs to hold
 * back no more than necessary (`partial`, `maxLength`).
 *
 * The patterns run on text folded by `foldForScan` (NFKC, invisible characters removed). They are
 * written to stay linear: every start position is guarded by a lookbehind, so a run of token
 * characters is entered once, and every quantifier is bounded.
 *
 * They also run on raw JSON text (a tool call's `arguments` string, a streamed arguments delta), so
 * the start guard is escape-aware: `\nsk-…` starts a key (the `n` belongs to the escape), and a
 * match never starts on an escaped character or inside a `\uXXXX` escape, so replacing it keeps
 * the JSON valid.
 */

import { validateCard, validateEmail, validateIban, validatePhone } from './validators.js';

export { ibanChecksumValid, luhnValid } from './validators.js';

export const DETECTOR_IDS = [
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
] as const;

export type DetectorId = (typeof DETECTOR_IDS)[number];
/** `link`: a detector built outside this table (the exfiltration-link guard, `policy/exfil-links`). */
export type DetectorKind = 'secret' | 'pii' | 'link';

/**
 * A detector of this table (`Id` = `DetectorId`), or one built elsewhere on the same machinery
 * (its own ids), which the scanners and the stream redactor run alike.
 */
export interface Detector<Id extends string = DetectorId> {
  readonly id: Id;
  readonly kind: DetectorKind;
  /** Global; compiled once; run from `lastIndex`. */
  readonly regex: RegExp;
  /**
   * `false` rejects the match; a number keeps only that many leading characters of it (a candidate
   * that ran into the words after it); `true` keeps it whole.
   */
  readonly validate?: (match: string) => boolean | number;
  /** Skip the regex when none of these occurs in the text (a fast substring pre-check). */
  readonly needles?: readonly string[];
  /**
   * Global, anchored at the end of the text: matches from a position where the text up to the end
   * could still be the beginning of a match (or a match whose end or validity depends on what
   * follows). Conservative: it may accept more than necessary, never less.
   */
  readonly partial: RegExp;
  /** The most characters, from a match's start, that can decide the match (match plus look-ahead). */
  readonly maxLength: number;
  /** The text a (validated) match becomes; without it, `[REDACTED:<id>]`. */
  readonly replace?: (match: string) => string;
}

// ---------------------------------------------------------------------------------------------
// Building blocks

/**
 * An odd run (up to 15) of backslashes ending here: the next character is escaped. (The stream
 * redactor keeps enough look-behind context for the longest run this inspects.)
 */
const ODD_BACKSLASHES = String.raw`(?<!\\)(?:\\\\){0,7}\\`;
/** The most characters a start guard looks back at: 16 backslashes, `u`, 3 hex digits, one token character. */
export const START_GUARD_LOOKBEHIND = 16 + 1 + 3 + 1;

/**
 * A match may start here: not on an escaped character, not inside a `\uXXXX` escape, and not right
 * after an (unescaped) character of `cls`, so a token is entered at its first character only.
 */
function startGuard(cls: string): string {
  const notEscaped = `(?<!${ODD_BACKSLASHES})(?<!${ODD_BACKSLASHES}u[0-9A-Fa-f]{0,3})`;
  return cls ? `${notEscaped}(?<!(?<!${ODD_BACKSLASHES})[${cls}])` : notEscaped;
}

/** Any non-empty prefix of `literal`, followed (when complete) by an optional `tail`. */
function prefixChain(literal: string, tail = ''): string {
  let source = tail ? `(?:${tail})?` : '';
  for (let i = literal.length - 1; i >= 0; i--) {
    source = escapeRegex(literal[i] as string) + source;
    if (i > 0) source = `(?:${source})?`;
  }
  return source;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function detector(spec: {
  id: DetectorId;
  kind: DetectorKind;
  guard: string;
  pattern: string;
  partial: string;
  maxLength: number;
  validate?: (match: string) => boolean | number;
  needles?: readonly string[];
}): Detector {
  const guard = startGuard(spec.guard);
  return {
    id: spec.id,
    kind: spec.kind,
    regex: new RegExp(guard + spec.pattern, 'g'),
    partial: new RegExp(`${guard}(?:${spec.partial})$`, 'g'),
    maxLength: spec.maxLength,
    ...(spec.validate ? { validate: spec.validate } : {}),
    ...(spec.needles ? { needles: spec.needles } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// The private-key validator, whose patterns the table shares (the other validators: ./validators.ts)

const PEM_HEADER = String.raw`-----BEGIN (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----`;
const PEM_FOOTER = String.raw`-----END (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----`;
/**
 * A block never contains another header: stopping there keeps the scan linear on text full of
 * headers without footers.
 */
const NOT_NEXT_HEADER = '(?!-----BEGIN )';
/** A body character of a block with its footer. */
const PEM_BODY_CHAR = `${NOT_NEXT_HEADER}[^"]`;
/** Body of a PEM block without its footer (truncated, or longer than the bound): base64 lines, headers, escaped newlines. */
const PEM_BODY_UNIT = String.raw`${NOT_NEXT_HEADER}(?:[A-Za-z0-9+/=:,.-]|\s|\\[nrt])`;
const PEM_HEADER_AT_START = new RegExp(`^${PEM_HEADER}`);
const PEM_FOOTER_ANYWHERE = new RegExp(PEM_FOOTER);
const BASE64_RUN = /[A-Za-z0-9+/=]{16,}/g;

/**
 * A block with its footer is kept whole; a footer-less one ends with its last base64 run. A block
 * without any base64 run holds no key: it is the header named in prose ("paste the block that
 * starts with -----BEGIN PRIVATE KEY-----"), or header and footer quoted around a few words.
 */
function validatePrivateKey(match: string): number | boolean {
  const header = PEM_HEADER_AT_START.exec(match);
  const headerLength = header ? header[0].length : 0;
  const body = match.slice(headerLength);
  let end = headerLength;
  BASE64_RUN.lastIndex = 0;
  for (let run = BASE64_RUN.exec(body); run; run = BASE64_RUN.exec(body)) end = headerLength + run.index + run[0].length;
  if (end === headerLength) return false;
  if (PEM_FOOTER_ANYWHERE.test(body) && match.endsWith('-----')) return true;
  return end;
}

// ---------------------------------------------------------------------------------------------
// The table

/** Token characters of most API keys. */
const KEY = 'A-Za-z0-9_-';
const ALNUM = 'A-Za-z0-9';
const PEM_BODY_MAX = 12_000;

export const DETECTORS: readonly Detector[] = [
  detector({
    // sk-proj-…, sk-svcacct-…, sk-admin-…, legacy sk-…: all carry "T3BlbkFJ" (base64 of "OpenAI").
    id: 'openai_key',
    kind: 'secret',
    guard: KEY,
    pattern: `sk-[${KEY}]{20,250}T3BlbkFJ[${KEY}]{20,250}(?![${KEY}])`,
    needles: ['T3BlbkFJ'],
    partial: `${prefixChain('sk-', `[${KEY}]{0,508}`)}`,
    maxLength: 3 + 250 + 8 + 250 + 1,
  }),
  detector({
    // sk-ant-api03-…AA, sk-ant-admin01-…AA, sk-ant-oat01-…AA
    id: 'anthropic_key',
    kind: 'secret',
    guard: KEY,
    pattern: `sk-ant-[a-z]{2,10}\\d{2}-[${KEY}]{32,300}AA(?![${KEY}])`,
    needles: ['-ant-'],
    partial: `${prefixChain('sk-', `[${KEY}]{0,320}`)}`,
    maxLength: 7 + 10 + 3 + 300 + 2 + 1,
  }),
  detector({
    // Access key IDs: long-term (AKIA), temporary (ASIA), and the ABIA/ACCA variants.
    id: 'aws_access_key',
    kind: 'secret',
    guard: ALNUM,
    pattern: `(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![${ALNUM}])`,
    partial: `A(?:[KSBC](?:[IBC](?:A[A-Z2-7]{0,16})?)?)?`,
    maxLength: 21,
  }),
  detector({
    // Classic (ghp_, gho_, ghu_, ghs_, ghr_) and fine-grained (github_pat_) tokens.
    id: 'github_token',
    kind: 'secret',
    guard: 'A-Za-z0-9_',
    pattern: `(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,244})(?![A-Za-z0-9_])`,
    needles: ['gh', '_pat_'],
    partial: `${prefixChain('gh', '[pousr](?:_[A-Za-z0-9]{0,251})?')}|${prefixChain('github_pat_', '[A-Za-z0-9_]{0,244}')}`,
    maxLength: 11 + 244 + 1,
  }),
  detector({
    // Bot (xoxb-), user (xoxp-), app-level (xapp-), refresh (xoxe-) and legacy tokens.
    id: 'slack_token',
    kind: 'secret',
    guard: 'A-Za-z0-9-',
    pattern: `(?:xox[abposre]|xapp)-\\d{1,16}-[A-Za-z0-9-]{8,250}(?![A-Za-z0-9-])`,
    needles: ['xox', 'xapp'],
    partial: `${prefixChain('xox', '[abposre](?:-[A-Za-z0-9-]{0,267})?')}|${prefixChain('xapp', '-[A-Za-z0-9-]{0,267}')}`,
    maxLength: 4 + 1 + 16 + 1 + 250 + 1,
  }),
  detector({
    id: 'google_api_key',
    kind: 'secret',
    guard: KEY,
    pattern: `AIza[${KEY}]{35}(?![${KEY}])`,
    needles: ['AIza'],
    partial: prefixChain('AIza', `[${KEY}]{0,35}`),
    maxLength: 40,
  }),
  detector({
    // PEM (PKCS#1, PKCS#8, EC, DSA, encrypted), OpenSSH and PGP private key blocks; a block whose
    // footer is missing is redacted up to the end of its base64.
    id: 'private_key',
    kind: 'secret',
    guard: '',
    pattern: `${PEM_HEADER}(?:(?:${PEM_BODY_CHAR}){0,${PEM_BODY_MAX}}?${PEM_FOOTER}|(?:${PEM_BODY_UNIT}){0,${PEM_BODY_MAX / 2}})`,
    validate: validatePrivateKey,
    needles: ['PRIVATE KEY'],
    partial: [
      prefixChain('-----BEGIN', '[A-Z0-9 -]{0,90}'),
      `${PEM_HEADER}(?:(?!${PEM_FOOTER})${PEM_BODY_CHAR}){0,${PEM_BODY_MAX}}`,
      `${PEM_HEADER}(?:(?!${PEM_FOOTER})${PEM_BODY_UNIT}){0,${PEM_BODY_MAX / 2}}\\\\?`,
    ].join('|'),
    maxLength: 100 + PEM_BODY_MAX + 100,
  }),
  detector({
    id: 'email',
    kind: 'pii',
    guard: String.raw`\w.%+-`,
    pattern: String.raw`[\w.%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,4}\.[A-Za-z]{2,24}(?![A-Za-z0-9-])`,
    validate: validateEmail,
    needles: ['@'],
    partial: String.raw`[\w.%+-]{1,64}(?:@[A-Za-z0-9.-]{0,345})?`,
    maxLength: 64 + 1 + 64 * 5 + 25 + 1,
  }),
  detector({
    // International (+CC …, 8–15 digits), North-American forms with separators, and national forms
    // with a trunk prefix 0 and separators: French pairs (`01 23 45 67 89`, `06.12.34.56.78`), an
    // area code then the subscriber (UK `020 7946 0958`, `07700 900123`; German `030 12345678`,
    // `0151/23456789`). A national form must not follow a digit and a separator (`0000 0000 0000`
    // is not one), and French pairs must not run on into two more hex pairs (a hex dump; `partial`
    // holds those back in a stream until decided). Bare digit runs are not phone numbers here (too
    // many ids and amounts look like them).
    id: 'phone',
    kind: 'pii',
    guard: String.raw`\w+.-`,
    pattern: String.raw`(?:\+[1-9](?:[ .()-]{0,2}\d){6,14}|\([2-9]\d{2}\) ?[2-9]\d{2}[.-]\d{4}|[2-9]\d{2}(?<sep>[.-])[2-9]\d{2}\k<sep>\d{4}|[2-9]\d{2} [2-9]\d{2} \d{4}|(?<!\d[ ./-])0[1-9](?<pair>[ .-])\d{2}(?:\k<pair>\d{2}){3}(?!\k<pair>[\dA-Fa-f]{2}\k<pair>[\dA-Fa-f]{2}(?![A-Za-z0-9]))|(?<!\d[ ./-])0\d{2,4}[ /-]\d{3,8}(?: \d{3,4})?)(?!\w|[ .-]\d)`,
    validate: validatePhone,
    partial: String.raw`[+(\d][\d .()/-]{0,46}|0[1-9](?<p>[ .-])\d{2}(?:\k<p>\d{2}){3}\k<p>[\dA-Fa-f]{0,2}(?:\k<p>[\dA-Fa-f]{0,2})?`,
    maxLength: 2 + 14 * 3 + 2,
  }),
  detector({
    // 13–19 digits, compact or in the printed groupings, an issuer prefix with its length, and a valid Luhn checksum.
    id: 'credit_card',
    kind: 'pii',
    guard: String.raw`\w.+-`,
    pattern: String.raw`[2-6](?:[ -]?\d){12,18}(?!\w|[ .,-]\d)`,
    validate: validateCard,
    partial: String.raw`[2-6][\d .,-]{0,39}`,
    maxLength: 1 + 18 * 2 + 2,
  }),
  detector({
    // Country code, check digits, then the BBAN, compact or grouped by spaces, any case; country
    // length and mod-97 must hold.
    id: 'iban',
    kind: 'pii',
    guard: ALNUM,
    pattern: String.raw`[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])`,
    validate: validateIban,
    partial: String.raw`[A-Za-z](?:[A-Za-z](?:\d(?:\d(?: ?[A-Za-z0-9]){0,30} ?)?)?)?`,
    maxLength: 4 + 30 * 2 + 1,
  }),
];

export const DETECTOR_BY_ID: ReadonlyMap<DetectorId, Detector> = new Map(DETECTORS.map((d) => [d.id, d]));

export const SECRET_DETECTORS: readonly DetectorId[] = DETECTORS.filter((d) => d.kind === 'secret').map((d) => d.id);
export const PII_DETECTORS: readonly DetectorId[] = DETECTORS.filter((d) => d.kind === 'pii').map((d) => d.id);
