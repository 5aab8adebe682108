import type { Condition } from './schema.js';

const globCache = new Map<string, RegExp>();

/** `*` matches any run of characters; everything else is literal. Compiled once per pattern. */
export function globMatches(pattern: string, name: string): boolean {
  let regex = globCache.get(pattern);
  if (!regex) {
    regex = new RegExp(`^${pattern.split('*').map(escapeRegex).join('.*')}$`);
    globCache.set(pattern, regex);
  }
  return regex.test(name);
}

const regexCache = new Map<string, RegExp | null>();

/** Every condition holds for `subject` (parsed JSON, or text). */
export function conditionsHold(conditions: readonly Condition[], subject: unknown): boolean {
  return conditions.every((condition) => conditionHolds(condition, subject));
}

function conditionHolds({ path, operator, value }: Condition, subject: unknown): boolean {
  const found = valueAt(subject, path);
  if (operator === 'in') return Array.isArray(value) && value.some((candidate) => String(candidate) === stringify(found));
  const actual = stringify(found);
  const expected = String(value);
  switch (operator) {
    case 'equal':
      return found !== undefined && actual === expected;
    case 'notEqual':
      return actual !== expected;
    case 'contains':
      return found !== undefined && actual.includes(expected);
    case 'notContains':
      return !actual.includes(expected);
    case 'startsWith':
      return found !== undefined && actual.startsWith(expected);
    case 'endsWith':
      return found !== undefined && actual.endsWith(expected);
    case 'regex':
      return found !== undefined && (compile(expected)?.test(actual) ?? false);
  }
}

/** A value at a dot/bracket path: `$`, `to`, `$.a.b`, `items[0].id`. */
export function valueAt(subject: unknown, path: string): unknown {
  const parts = path.replace(/^\$\.?/, '').match(/[^.[\]]+/g) ?? [];
  let current = subject;
  for (const part of parts) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function stringify(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function compile(source: string): RegExp | null {
  if (!regexCache.has(source)) {
    try {
      regexCache.set(source, new RegExp(source));
    } catch {
      regexCache.set(source, null);
    }
  }
  return regexCache.get(source) ?? null;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
