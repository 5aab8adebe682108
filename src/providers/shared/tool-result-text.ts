import { isRecord } from './json.js';

/** Gives a tool result's text to `rewrite`; what it returns (a string) replaces it, null keeps it. */
export type RewriteText = (text: string) => string | null;

/**
 * Rewrites `holder[key]` in place when it is text: a string, or an array of parts of type
 * `partType` (`{ type: 'text', text }`), each part's text on its own. Anything else (images,
 * files, a JSON object) is left alone.
 */
export function rewriteTextOrParts(holder: Record<string, unknown>, key: string, partType: string, rewrite: RewriteText): void {
  const value = holder[key];
  if (typeof value === 'string') {
    const next = rewrite(value);
    if (next !== null) holder[key] = next;
    return;
  }
  if (!Array.isArray(value)) return;
  for (const part of value) {
    if (!isRecord(part) || part.type !== partType || typeof part.text !== 'string') continue;
    const next = rewrite(part.text);
    if (next !== null) part.text = next;
  }
}
