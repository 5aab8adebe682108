/** A JSON error of the admin API: `{ "error": { "message", "status" } }` plus any extra fields. */
export function adminError(status: number, message: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}): Response {
  return Response.json({ error: { message, status }, ...extra }, { status, headers });
}
