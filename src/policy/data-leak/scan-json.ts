import { hash } from 'node:crypto';
import type { DetectorId } from './detectors.js';
import { compileDetectors, type DetectorSet, type EnabledDetectors, type Finding, redactText, scanText } from './scan.js';

/** A finding in a JSON value: `start`/`end` are offsets in the string at `path`. */
export interface JsonFinding extends Finding {
  /**
   * `$.messages[3].tool_calls[0].function.arguments`. Built from redacted keys, so a path never
   * carries a detected value. For a finding in an object key, the path of that property.
   */
  readonly path: string;
  /** The value was found in an object key, not in a string value. */
  readonly inKey?: true;
}

export interface JsonScanOptions {
  /**
   * Which findings to replace with `[REDACTED:<detector>]`, in place: all of them (`true`), those of
   * the listed detectors, or none (`false`, the default: scan only).
   */
  readonly redact?: boolean | readonly DetectorId[] | ReadonlySet<DetectorId>;
}

export interface JsonScanResult<T> {
  /** The same value, redacted in place; a new string when the value itself is a string. */
  readonly value: T;
  readonly findings: JsonFinding[];
  /** How many findings were replaced. */
  readonly redacted: number;
}

/** Shorter strings cannot hold a match (the shortest is an address like `a@b.io`). */
const MIN_LENGTH = 6;
/** Inline images and files: a secret cannot be read out of base64 without decoding it; skipped. */
const DATA_URL = /^data:[\w.+/-]+(?:;[\w.+=-]+)*;base64,[A-Za-z0-9+/]*={0,2}$/;
const BASE64_BLOB = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64_BLOB_MIN = 1024;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const CLEAN_CACHE_MAX_LENGTH = 64;

/**
 * An agent loop sends its whole history again at every turn, so the same long strings (tool
 * results, earlier answers) are scanned over and over. With the personal-data detectors on (the
 * costly ones: about 25 ns a character), their findings are remembered per detector set, by the
 * text's SHA-256 (the text itself, which may hold a secret, is not kept), which costs about 2 ns a
 * character. `npm run bench:policy`: a 50-message turn seen before scans in half the time. The
 * secret detectors alone scan about as fast as the text hashes: no memory for them.
 */
const REMEMBER_MIN_LENGTH = 256;
const REMEMBERED_PER_SET = 4096;
/** Per detector set: its remembered findings, or null for a set without personal-data detectors. */
const remembered = new WeakMap<DetectorSet, Map<string, Finding[]> | null>();

function scanLong(text: string, set: DetectorSet): Finding[] {
  if (text.length < REMEMBER_MIN_LENGTH) return scanText(text, set);
  let known = remembered.get(set);
  if (known === undefined) remembered.set(set, (known = set.detectors.some((detector) => detector.kind === 'pii') ? new Map() : null));
  if (known === null) return scanText(text, set);
  const key = hash('sha256', text, 'base64');
  const found = known.get(key);
  if (found) {
    // Least recently used goes first.
    known.delete(key);
    known.set(key, found);
    return found;
  }
  const fresh = scanText(text, set);
  known.set(key, fresh);
  if (known.size > REMEMBERED_PER_SET) known.delete(known.keys().next().value as string);
  return fresh;
}

function isBinaryBlob(text: string): boolean {
  if (text.length < BASE64_BLOB_MIN) return false;
  return text.startsWith('data:') ? DATA_URL.test(text) : BASE64_BLOB.test(text);
}

function looksLikeJson(text: string): boolean {
  const first = text.trimStart()[0];
  return first === '{' || first === '[';
}

function defineValue(target: object, key: string, value: unknown): void {
  // defineProperty, not assignment: a parsed "__proto__" key is an own property and must stay one.
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * Scans every string leaf (and object key) of a parsed JSON value, a request or response body of
 * any provider, and redacts in place when asked. Redaction replaces text inside strings only, so
 * the value serialises to valid JSON, and a string that held JSON (a tool call's `arguments`)
 * still parses. Iterative, so a deeply nested body cannot overflow the stack.
 */
export function scanJson<T>(value: T, enabled?: EnabledDetectors, options: JsonScanOptions = {}): JsonScanResult<T> {
  const set = compileDetectors(enabled);
  const redactOption = options.redact ?? false;
  const redactSet = typeof redactOption === 'boolean' ? null : new Set<DetectorId>(redactOption);
  const shouldRedact = (detector: DetectorId) => (redactSet ? redactSet.has(detector) : redactOption === true);
  const findings: JsonFinding[] = [];
  let redacted = 0;
  /** Short strings seen clean in this body (keys, roles, types repeat in every message). */
  const clean = new Set<string>();

  /** Scans one string; returns its replacement, and its label (the text with every finding redacted) for paths. */
  function visitString(text: string, at: PathNode | null, key: string | number | null): { value: string; label: string } {
    if (text.length < MIN_LENGTH || clean.has(text) || isBinaryBlob(text)) return { value: text, label: text };
    const found = scanLong(text, set);
    if (found.length === 0) {
      if (text.length <= CLEAN_CACHE_MAX_LENGTH) clean.add(text);
      return { value: text, label: text };
    }
    const inKey = typeof key === 'string';
    const label = inKey ? redactText(text, found) : text;
    const path = renderPath(key === null ? at : { parent: at, key: inKey ? label : key });
    for (const finding of found) findings.push(inKey ? { ...finding, path, inKey: true } : { ...finding, path });
    const chosen = found.filter((finding) => shouldRedact(finding.detector));
    if (chosen.length === 0) return { value: text, label };
    redacted += chosen.length;
    return { value: keepJsonValid(text, redactText(text, chosen), set, options), label };
  }

  if (typeof value === 'string') return { value: visitString(value, null, null).value as T, findings, redacted };
  if (value === null || typeof value !== 'object') return { value, findings, redacted };

  // Depth-first in document order with an explicit stack: each entry is a slot (container, key).
  // Paths are linked nodes, rendered to text only for a finding.
  const seen = new WeakSet<object>([value]);
  const stack: { parent: Record<string, unknown> | unknown[]; key: string | number; at: PathNode }[] = [];
  const pushChildren = (node: object, at: PathNode | null) => {
    if (Array.isArray(node)) {
      for (let index = node.length - 1; index >= 0; index--) stack.push({ parent: node, key: index, at: { parent: at, key: index } });
      return;
    }
    const record = node as Record<string, unknown>;
    const keys = Object.keys(record);
    const labels: string[] = [];
    let renamed: Map<string, string> | null = null;
    for (const key of keys) {
      const scanned = visitString(key, at, key);
      if (scanned.value !== key) (renamed ??= new Map()).set(key, scanned.value);
      labels.push(scanned.label);
    }
    const finalKeys = renamed ? renameKeys(record, keys, renamed) : keys;
    for (let index = keys.length - 1; index >= 0; index--) stack.push({ parent: record, key: finalKeys[index] as string, at: { parent: at, key: labels[index] as string } });
  };
  pushChildren(value, null);
  while (stack.length > 0) {
    const { parent, key, at } = stack.pop() as (typeof stack)[number];
    const item = (parent as Record<string | number, unknown>)[key];
    if (typeof item === 'string') {
      const next = visitString(item, at, null).value;
      if (next === item) continue;
      if (Array.isArray(parent)) parent[key as number] = next;
      else defineValue(parent, key as string, next);
    } else if (item !== null && typeof item === 'object' && !seen.has(item)) {
      seen.add(item);
      pushChildren(item, at);
    }
  }
  return { value, findings, redacted };
}

interface PathNode {
  readonly parent: PathNode | null;
  readonly key: string | number;
}

function renderPath(node: PathNode | null): string {
  const parts: string[] = [];
  for (let at = node; at; at = at.parent) parts.push(typeof at.key === 'number' ? `[${at.key}]` : IDENTIFIER.test(at.key) ? `.${at.key}` : `[${JSON.stringify(at.key)}]`);
  return `$${parts.reverse().join('')}`;
}

/** Renames keys in place, keeping their order; a clash gets a ` (2)`, ` (3)`… suffix. Returns the new keys. */
function renameKeys(record: Record<string, unknown>, keys: readonly string[], renamed: ReadonlyMap<string, string>): string[] {
  const entries = keys.map((key) => [renamed.get(key) ?? key, record[key]] as const);
  for (const key of keys) delete record[key];
  const used = new Set<string>();
  for (const [key, item] of entries) {
    let unique = key;
    for (let n = 2; used.has(unique); n++) unique = `${key} (${n})`;
    used.add(unique);
    defineValue(record, unique, item);
  }
  return [...used];
}

/**
 * Text redaction never touches a quote or a backslash, so JSON held in a string stays JSON; should
 * it not (an unforeseen escape), the string is parsed, redacted as a value and serialised again.
 */
function keepJsonValid(original: string, redactedText: string, set: DetectorSet, options: JsonScanOptions): string {
  if (!looksLikeJson(original)) return redactedText;
  try {
    JSON.parse(redactedText);
    return redactedText;
  } catch {
    let parsed: unknown;
    try {
      parsed = JSON.parse(original);
    } catch {
      return redactedText; // It was not JSON to begin with.
    }
    return JSON.stringify(scanJson(parsed, set, options).value);
  }
}
