/** JSON parsing that returns a value instead of throwing. */
export type ParseResult<T = unknown> = { success: true; value: T } | { success: false; error: string };

export function safeParseJson(text: string): ParseResult {
  try {
    return { success: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { success: false, error: error instanceof Error ? error.message : String(error) };
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON response with the given status; `x-should-retry: false` on 4xx so SDKs do not retry a refusal. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const allHeaders: Record<string, string> = { 'content-type': 'application/json', ...headers };
  if (status >= 400 && status < 500 && status !== 429 && status !== 408 && status !== 409) {
    allHeaders['x-should-retry'] ??= 'false';
  }
  const text = JSON.stringify(body);
  allHeaders['content-length'] = String(Buffer.byteLength(text));
  return new Response(text, { status, headers: allHeaders });
}
