/** Google's canonical status names for the HTTP statuses the proxy answers with itself. */
const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  // A budget spent (the proxy's own 402): Google's name for an exhausted quota.
  402: 'RESOURCE_EXHAUSTED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  // Google answers an oversized request with INVALID_ARGUMENT; the HTTP status stays 413.
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function googleStatusName(status: number): string {
  return STATUS_NAMES[status] ?? (status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT');
}

/** Google's error body: `{ error: { code, message, status } }` (what `@google/genai` turns into `ApiError`). */
export function geminiErrorBody(code: number, message: string) {
  return { error: { code, message, status: googleStatusName(code) } };
}
