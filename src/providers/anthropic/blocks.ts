import { isRecord } from '../shared/json.js';

/**
 * What the content blocks of a Messages answer are, as the SDK's `ContentBlock` union (and the
 * beta one) lists them. A block type not listed here may carry an action the proxy cannot read:
 * it is an unknown call shape, refused by default.
 */

/** Results of hosted tools that read outside content: a web page, a search, code's output, an MCP server. */
export const OUTSIDE_RESULT_TYPES: ReadonlySet<string> = new Set([
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'bash_code_execution_tool_result',
  'text_editor_code_execution_tool_result',
  'mcp_tool_result',
]);

/**
 * Blocks that do nothing by themselves: what the model wrote or thought, results of hosted tools
 * (their calls are the `server_tool_use` / `mcp_tool_use` blocks), a file put in the code
 * container, a compaction summary, a model fallback notice, an MCP server's tool listing.
 */
const INERT_TYPES: ReadonlySet<string> = new Set([
  'text',
  'thinking',
  'redacted_thinking',
  ...OUTSIDE_RESULT_TYPES,
  'tool_search_tool_result',
  'advisor_tool_result',
  'container_upload',
  'compaction',
  'fallback',
  'mcp_tool_listing',
]);

/** Server tools that read nothing from outside: the request's own tool catalogue, another model's advice. */
const INSIDE_SERVER_TOOLS: ReadonlySet<string> = new Set(['tool_search_tool_regex', 'tool_search_tool_bm25', 'advisor']);

/**
 * `client_call`: a `tool_use` the client runs. `hosted_call`: a call Anthropic ran itself
 * (`server_tool_use`, `mcp_tool_use`). `inert`: see INERT_TYPES. `unknown`: any other block.
 */
export type AnswerBlockKind = 'client_call' | 'hosted_call' | 'inert' | 'unknown';

export function answerBlockKind(block: unknown): AnswerBlockKind {
  // Not a block at all (null, a string): nothing a client could run.
  if (!isRecord(block)) return 'inert';
  if (block.type === 'tool_use') return 'client_call';
  if (block.type === 'server_tool_use' || block.type === 'mcp_tool_use') return 'hosted_call';
  return typeof block.type === 'string' && INERT_TYPES.has(block.type) ? 'inert' : 'unknown';
}

/** The calls the guard judges: the client's `tool_use` blocks and blocks of unknown types. */
export const isJudgedCall = (block: unknown): boolean => {
  const kind = answerBlockKind(block);
  return kind === 'client_call' || kind === 'unknown';
};

/**
 * The hosted tool calls of an answer that brought outside content into it, by name (`web_search`,
 * `code_execution`, `mcp:<server>/<tool>`), and the outside results that answer no call of the
 * same answer (a `pause_turn` continuation), by type. Tool search and the advisor read nothing
 * from outside; a server tool of a name not known here is counted (fail closed).
 */
export function hostedCallsOf(blocks: readonly unknown[]): string[] {
  const hosted: string[] = [];
  /** The hosted calls counted: a result answering one of them is not counted again. */
  const callIds = new Set<unknown>();
  for (const block of blocks) {
    if (!isRecord(block)) continue;
    if (block.type === 'server_tool_use') {
      const name = typeof block.name === 'string' ? block.name : 'server_tool_use';
      if (INSIDE_SERVER_TOOLS.has(name)) continue;
      callIds.add(block.id);
      hosted.push(name);
    } else if (block.type === 'mcp_tool_use') {
      callIds.add(block.id);
      hosted.push(`mcp:${typeof block.server_name === 'string' ? block.server_name : '?'}/${typeof block.name === 'string' ? block.name : '?'}`);
    }
  }
  for (const block of blocks) {
    if (isRecord(block) && typeof block.type === 'string' && OUTSIDE_RESULT_TYPES.has(block.type) && !callIds.has(block.tool_use_id)) hosted.push(block.type);
  }
  return hosted;
}
