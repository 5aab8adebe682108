/**
 * A request the router cannot express in the target's format (400 to the client), or an answer it
 * cannot read back into OpenAI's (refused with 502, never passed on as it came).
 */
export class TranslateError extends Error {
  override name = 'TranslateError';
}

/** Throws a TranslateError when `condition` is false. */
export function demand(condition: unknown, message: string): asserts condition {
  if (!condition) throw new TranslateError(message);
}
