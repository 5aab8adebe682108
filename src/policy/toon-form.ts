import { decode, encode } from '@toon-format/toon';

/**
 * The TOON form of a tool result, or null when it should go as it came: its text is not a JSON
 * object or array, its TOON form is not shorter, or TOON might not carry its values exactly.
 *
 * Values must reach the model verbatim (the policies judged the original, and provenance traces
 * the model's arguments back to it), so only JSON written canonically is converted: the text,
 * without the whitespace between tokens, must be what `JSON.stringify` makes of its value (so no
 * number beyond double precision, no `1.50`, no `\u00e9` escape changes on the way), and the TOON
 * form must decode back to that value.
 */
export function toonForm(text: string): string | null {
  const start = text.trimStart()[0];
  if (start !== '{' && start !== '[') return null;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return null;
    const canonical = JSON.stringify(value);
    if (withoutWhitespace(text) !== canonical) return null;
    const toon = encode(value);
    if (toon.length >= text.length) return null;
    return JSON.stringify(decode(toon)) === canonical ? toon : null;
  } catch {
    // Too deep to parse or encode (a RangeError), or not JSON at all: left as it came.
    return null;
  }
}

/** JSON text without the whitespace between its tokens (strings kept as written). */
function withoutWhitespace(text: string): string {
  let out = '';
  let inString = false;
  let from = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === ' ' || char === '\n' || char === '\r' || char === '\t') {
      out += text.slice(from, index);
      from = index + 1;
    }
  }
  return out + text.slice(from);
}
