/**
 * Ids for calls and results of formats whose own ids may be missing or repeated (Gemini answers a
 * `functionCall` by name, older Ollama servers give no ids at all): an item is known by its own id
 * when it has a usable one (a non-empty string not seen before in the same answer or request, and
 * not starting with `#`), else by its position, `#...`. The decoders and the encoders that remove
 * or replace an item walk the same JSON in the same order with one of these each, so they give
 * every item the same id.
 */
export function createIdSpace(): (own: unknown, positional: string) => string {
  const seen = new Set<string>();
  return (own, positional) => {
    if (typeof own !== 'string' || own === '' || own.startsWith('#') || seen.has(own)) return positional;
    seen.add(own);
    return own;
  };
}
