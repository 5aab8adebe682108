/**
 * Quarantine for a Messages request: `tool_choice: { type: 'none' }`, and the remote MCP servers
 * (`mcp_servers`, which the tools' choice may not reach) removed: a server-side call could carry
 * the context out as well as a client one. The tools stay declared: the API refuses `tool_use`
 * and `tool_result` blocks in the history without them.
 */
export function forbidMessageToolCalls(json: Record<string, unknown>): boolean {
  const servers = 'mcp_servers' in json;
  delete json.mcp_servers;
  if (!Array.isArray(json.tools) || json.tools.length === 0) return servers;
  json.tool_choice = { type: 'none' };
  return true;
}
