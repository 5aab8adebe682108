/**
 * How deeply a request body's arrays and objects may nest. `JSON.parse` takes any depth, but
 * `JSON.stringify` and the proxy's own walks over a request recurse, and overflow the stack near
 * ten thousand levels: a small body could turn every request into a 500. No API request needs a
 * fraction of this (a deep tool schema has a few dozen levels).
 */
export const MAX_JSON_DEPTH = 512;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Whether the JSON text nests arrays and objects deeper than `max`, counted on the text before it
 * is parsed, in one pass without recursion. Brackets inside strings do not count. On text that is
 * not JSON the answer means nothing; `JSON.parse` refuses it afterwards.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) index++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) inString = true;
    else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) depth--;
  }
  return false;
}
