/**
 * Paths into JSON values as the config writes them: `to`, `$.payee.iban`, `items[0].id`,
 * `recipients[*]`, `$[*].participants` (`*` is any key or index). A path names a subtree: every
 * value under it belongs to it.
 */

export type PathSegment = string;

const cache = new Map<string, PathSegment[]>();

export function parsePath(path: string): PathSegment[] {
  let segments = cache.get(path);
  if (!segments) {
    segments = path.replace(/^\$\.?/, '').match(/[^.[\]]+/g) ?? [];
    if (cache.size < 10_000) cache.set(path, segments);
  }
  return segments;
}

/** Whether `prefix` (parsed, with `*`) covers the leaf at `segments`. */
export function coversPath(prefix: readonly PathSegment[], segments: readonly PathSegment[]): boolean {
  if (prefix.length > segments.length) return false;
  return prefix.every((part, index) => part === '*' || part === segments[index]);
}

/** A string or number found in a JSON value, with where it was. */
export interface Leaf {
  segments: PathSegment[];
  value: string;
}

/** Every string and number in `value`, depth first, at most `limit` of them. */
export function leavesOf(value: unknown, limit = 10_000): Leaf[] {
  const out: Leaf[] = [];
  const walk = (node: unknown, segments: PathSegment[]): void => {
    if (out.length >= limit) return;
    if (typeof node === 'string') out.push({ segments, value: node.trim() });
    else if (typeof node === 'number' && Number.isFinite(node)) out.push({ segments, value: String(node) });
    else if (Array.isArray(node)) node.forEach((item, index) => walk(item, [...segments, String(index)]));
    else if (node !== null && typeof node === 'object') for (const [key, item] of Object.entries(node)) walk(item, [...segments, key]);
  };
  walk(value, []);
  return out;
}

/** The leaves under `path` (wildcards allowed) in `subject`. */
export function leavesAt(subject: unknown, path: string): Leaf[] {
  const prefix = parsePath(path);
  return leavesOf(subject).filter((leaf) => coversPath(prefix, leaf.segments));
}

/** `$.to[0]`, `$.payee.iban`: how a leaf's path is shown in decisions. */
export function formatPath(segments: readonly PathSegment[]): string {
  return '$' + segments.map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`)).join('');
}
