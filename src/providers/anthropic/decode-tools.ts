import { isRecord } from '../shared/json.js';
import type { ToolDefinitionView } from '../types.js';

/**
 * Tool types Anthropic runs itself that read outside content: web search, URL fetch, code
 * execution (its bash and text editor work in a container that may reach the network). Tool
 * types the client runs (`bash_*`, `computer_*`, `text_editor_*`, `memory_*`, the browser and
 * computer toolsets) and server tools that read nothing from outside (tool search, the advisor)
 * are not; a tool type not known here is counted (fail closed).
 */
const NOT_HOSTED = /^(custom|bash_|computer_|text_editor_|memory_|browser_toolset_|computer_toolset_|tool_search_tool_|advisor_)/;

/**
 * Custom tools (`input_schema` is their parameters) and Anthropic's own tools (`web_search`,
 * `bash`, ...: a name only). A toolset entry has no name (the browser and computer toolsets, an
 * MCP server's toolset): it is named by its type (and server), so the request still counts as
 * declaring tools.
 */
export function decodeTools(tools: unknown[]): ToolDefinitionView[] {
  return tools.flatMap((tool) => {
    if (!isRecord(tool)) return [];
    const name = typeof tool.name === 'string' ? tool.name : toolsetName(tool);
    if (name === undefined) return [];
    const view: ToolDefinitionView = { name };
    if (typeof tool.description === 'string') view.description = tool.description;
    if (tool.input_schema !== undefined) view.parameters = tool.input_schema;
    return [view];
  });
}

function toolsetName(tool: Record<string, unknown>): string | undefined {
  if (typeof tool.type !== 'string') return undefined;
  return tool.type === 'mcp_toolset' ? `mcp:${String(tool.mcp_server_name)}` : tool.type;
}

/**
 * The hosted tools a request enables that read outside content: typed tools Anthropic runs
 * (`web_search_20250305` as `web_search`), MCP toolsets, and the remote MCP servers of
 * `mcp_servers` (`mcp:<name>`).
 */
export function decodeHostedTools(tools: unknown[], mcpServers: unknown): string[] {
  const hosted = new Set<string>();
  for (const tool of tools) {
    if (!isRecord(tool) || typeof tool.type !== 'string' || NOT_HOSTED.test(tool.type)) continue;
    hosted.add(tool.type === 'mcp_toolset' ? `mcp:${String(tool.mcp_server_name)}` : typeof tool.name === 'string' ? tool.name : tool.type);
  }
  if (Array.isArray(mcpServers)) {
    for (const server of mcpServers) hosted.add(`mcp:${isRecord(server) && typeof server.name === 'string' ? server.name : '?'}`);
  } else if (mcpServers !== undefined && mcpServers !== null) hosted.add('mcp:?');
  return [...hosted];
}
