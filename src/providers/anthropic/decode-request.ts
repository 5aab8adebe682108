import { isRecord } from '../shared/json.js';
import type { DecodeResult, MessageView, UntrustedContentView } from '../types.js';
import { assignIds, locateToolResults } from './call-ids.js';
import { contentText, isTextBlock, retrievedText, toolCallOf } from './content.js';
import { decodeHostedTools, decodeTools } from './decode-tools.js';

/** Blocks of a request that call a tool: the client's, or one Anthropic ran itself. */
const CALL_TYPES = new Set(['tool_use', 'server_tool_use', 'mcp_tool_use']);

/**
 * Blocks of a turn that carry nothing to judge: images, the model's thinking, tool search's
 * references, the advisor's (model-written) advice, a file put in the code container, tool
 * changes, an MCP server's tool listing, a model fallback notice. Any block not named here or
 * handled below is outside content (fail closed): never the user's own words.
 */
const INERT_TYPES = new Set([
  'image', 'thinking', 'redacted_thinking', 'tool_search_tool_result', 'advisor_tool_result', 'container_upload',
  'tool_addition', 'tool_removal', 'mcp_tool_listing', 'fallback', 'tool_reference',
]);

/**
 * Decodes a Messages (or count_tokens) request into the provider-neutral view. `system`, when
 * present, is the message at index 0; the conversation's messages follow in order. A message's
 * `text` is its text blocks only: documents and search results (in a turn or inside a tool
 * result), hosted tools' results in the history and blocks of unknown types are outside content
 * (`untrusted`). Tool results take the name of the call they answer, looked up by its id.
 */
export function decodeMessagesRequest(json: unknown): DecodeResult {
  if (!isRecord(json)) return { success: false, message: 'The request body must be a JSON object.' };
  const { model, messages, system, tools, stream } = json;
  if (typeof model !== 'string' || model.length === 0) return { success: false, message: 'model: Field required', param: 'model' };
  if (!Array.isArray(messages)) return { success: false, message: 'messages: Field required', param: 'messages' };
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') {
    return { success: false, message: 'stream: Input should be a valid boolean', param: 'stream' };
  }
  if (system !== undefined && system !== null && typeof system !== 'string' && !Array.isArray(system)) {
    return { success: false, message: 'system: Input should be a valid string or a list of text blocks', param: 'system' };
  }
  if (tools !== undefined && tools !== null && !Array.isArray(tools)) {
    return { success: false, message: 'tools: Input should be a valid list', param: 'tools' };
  }
  for (const [position, message] of messages.entries()) {
    if (!isRecord(message) || (message.role !== 'user' && message.role !== 'assistant')) {
      return { success: false, message: `messages.${position}.role: Input should be 'user' or 'assistant'`, param: `messages.${position}.role` };
    }
    if (typeof message.content !== 'string' && !Array.isArray(message.content)) {
      return { success: false, message: `messages.${position}.content: Input should be a valid string or list`, param: `messages.${position}.content` };
    }
  }

  const offset = system !== undefined && system !== null ? 1 : 0;
  const views: MessageView[] = offset ? [{ index: 0, role: 'system', text: contentText(system), toolCalls: [], toolResults: [] }] : [];
  for (const [position, message] of (messages as Record<string, unknown>[]).entries()) {
    views.push({ index: position + offset, role: message.role as 'user' | 'assistant', text: contentText(message.content), toolCalls: [], toolResults: [] });
  }
  const untrusted: UntrustedContentView[] = [];
  const toolNames = decodeCalls(messages as Record<string, unknown>[], views, offset);
  for (const { block, messagePosition, id } of locateToolResults(messages)) {
    const view = views[messagePosition + offset]!;
    const result: MessageView['toolResults'][number] = { toolCallId: id, text: contentText(block.content) };
    const name = typeof block.tool_use_id === 'string' ? toolNames.get(block.tool_use_id) : undefined;
    if (name) result.name = name;
    view.toolResults.push(result);
    // What a tool returned may itself quote documents and search results: outside content whatever the tool.
    if (Array.isArray(block.content)) for (const inner of block.content) addOutside(inner, view.index, untrusted, true);
  }
  for (const [position, message] of (messages as Record<string, unknown>[]).entries()) {
    if (!Array.isArray(message.content)) continue;
    for (const block of message.content) addOutside(block, position + offset, untrusted, false);
  }

  const view: Extract<DecodeResult, { success: true }>['view'] = { model, stream: stream === true, messages: views, tools: decodeTools(tools ?? []) };
  const hostedTools = decodeHostedTools(tools ?? [], json.mcp_servers);
  if (hostedTools.length > 0) view.hostedTools = hostedTools;
  if (untrusted.length > 0) view.untrusted = untrusted;
  return { success: true, json, view };
}

/** The call blocks of every turn, into their views; returns each call's tool name by its own id. */
function decodeCalls(messages: readonly Record<string, unknown>[], views: MessageView[], offset: number): Map<string, string> {
  const found: { block: Record<string, unknown>; messagePosition: number; position: string; id: unknown }[] = [];
  for (const [messagePosition, message] of messages.entries()) {
    if (!Array.isArray(message.content)) continue;
    for (const [blockPosition, block] of message.content.entries()) {
      if (isRecord(block) && CALL_TYPES.has(block.type as string)) found.push({ block, messagePosition, position: `${messagePosition}.${blockPosition}`, id: block.id });
    }
  }
  const toolNames = new Map<string, string>();
  assignIds(found).forEach((id, i) => {
    const { block, messagePosition } = found[i]!;
    const call = toolCallOf(block, id);
    views[messagePosition + offset]!.toolCalls.push(call);
    if (typeof block.id === 'string' && !toolNames.has(block.id)) toolNames.set(block.id, call.name);
  });
  return toolNames;
}

/** What a tool result may hold besides its text that carries nothing to judge. */
const INERT_IN_RESULT = new Set(['image', 'tool_reference']);

/**
 * Adds a block to `untrusted` when it is outside content: a document or a search result, a hosted
 * tool's result, a compaction summary (it may retell anything the history held), or a block of a
 * type not known here. Inside a tool result only its text blocks are the result's own.
 */
function addOutside(block: unknown, messageIndex: number, untrusted: UntrustedContentView[], insideResult: boolean): void {
  if (!isRecord(block) || isTextBlock(block)) return;
  const type = typeof block.type === 'string' ? block.type : 'content_block';
  const inert = insideResult ? INERT_IN_RESULT.has(type) : CALL_TYPES.has(type) || type === 'tool_result' || INERT_TYPES.has(type);
  if (!inert) untrusted.push({ source: type, messageIndex, text: retrievedText(block) });
}
