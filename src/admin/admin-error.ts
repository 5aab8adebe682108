/**
 * A JSON error of the admin API: `{ "error": { "message", "status", "field"? } }` plus any extra
 * fields; `field` names the query or body field at fault (dotted path).
 */
export function adminError(status: number, message: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}, field?: string): Response {
  return Response.json({ error: { message, status, ...(field === undefined ? {} : { field }) }, ...extra }, { status, headers });
}
