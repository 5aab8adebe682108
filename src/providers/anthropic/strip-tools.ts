/**
 * Quarantine for a Messages request: `tool_choice: { type: 'none' }`. The tools stay declared:
 * the API refuses `tool_use` and `tool_result` blocks in the history without them.
 */
export function forbidMessageToolCalls(json: Record<string, unknown>): boolean {
  if (!Array.isArray(json.tools) || json.tools.length === 0) return false;
  json.tool_choice = { type: 'none' };
  return true;
}
