import { isRecord } from '../shared/json.js';
import type { ToolCallView } from '../types.js';

/** Content block types that are a call of a tool: the client's own, or one Anthropic runs itself. */
const TOOL_CALL_TYPES = new Set(['tool_use', 'server_tool_use', 'mcp_tool_use']);

/** A block that calls a tool (`tool_use`, or a server / MCP tool the API runs itself). */
export function isToolCallBlock(block: unknown): block is Record<string, unknown> {
  return isRecord(block) && typeof block.type === 'string' && TOOL_CALL_TYPES.has(block.type);
}

/** A block that carries what a tool returned: `tool_result`, `mcp_tool_result`, `web_search_tool_result`, ... */
export function isToolResultBlock(block: unknown): block is Record<string, unknown> {
  return isRecord(block) && typeof block.type === 'string' && block.type.endsWith('tool_result');
}

/** A `tool_use` block as a call: its `input` object becomes the arguments' JSON text. */
export function toolCallOf(block: Record<string, unknown>): ToolCallView {
  return {
    id: typeof block.id === 'string' ? block.id : '',
    name: typeof block.name === 'string' ? block.name : '',
    arguments: block.input === undefined ? '{}' : JSON.stringify(block.input),
  };
}

/**
 * The readable text of content: a string, or the text of its blocks joined with `separator`.
 * Besides `text` blocks this reads what carries text a policy must see: plain-text documents,
 * search results (their own content), and web search results (title and URL).
 */
export function contentText(content: unknown, separator = '\n'): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts: string[] = [];
  for (const block of content) {
    const text = blockText(block, separator);
    if (text.length > 0) parts.push(text);
  }
  return parts.join(separator);
}

function blockText(block: unknown, separator: string): string {
  if (!isRecord(block)) return '';
  if (block.type === 'text' || block.type === undefined) return typeof block.text === 'string' ? block.text : '';
  if (block.type === 'search_result') return contentText(block.content, separator);
  if (block.type === 'web_search_result') {
    return [block.title, block.url].filter((part): part is string => typeof part === 'string').join('\n');
  }
  if (block.type === 'document' && isRecord(block.source) && block.source.type === 'text') {
    return typeof block.source.data === 'string' ? block.source.data : '';
  }
  return '';
}
