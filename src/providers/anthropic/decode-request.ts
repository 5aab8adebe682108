import { isRecord } from '../shared/json.js';
import type { DecodeResult, MessageView, ToolDefinitionView, ToolResultView } from '../types.js';
import { contentText, isToolCallBlock, isToolResultBlock, toolCallOf } from './content.js';

/**
 * Decodes a Messages (or count_tokens) request into the provider-neutral view. `system`, when
 * present, is the message at index 0; the conversation's messages follow in order. Tool results
 * take the name of the call they answer, looked up by id among the earlier `tool_use` blocks.
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

  const views: MessageView[] = [];
  if (system !== undefined && system !== null) views.push({ index: 0, role: 'system', text: contentText(system), toolCalls: [], toolResults: [] });
  const toolNames = new Map<string, string>();
  for (const [position, message] of messages.entries()) {
    if (!isRecord(message) || (message.role !== 'user' && message.role !== 'assistant')) {
      return { success: false, message: `messages.${position}.role: Input should be 'user' or 'assistant'`, param: `messages.${position}.role` };
    }
    if (typeof message.content !== 'string' && !Array.isArray(message.content)) {
      return { success: false, message: `messages.${position}.content: Input should be a valid string or list`, param: `messages.${position}.content` };
    }
    views.push(decodeMessage(message.role, message.content, views.length, toolNames));
  }
  return { success: true, json, view: { model, stream: stream === true, messages: views, tools: decodeTools(tools ?? []) } };
}

function decodeMessage(role: 'user' | 'assistant', content: string | unknown[], index: number, toolNames: Map<string, string>): MessageView {
  const view: MessageView = { index, role, text: contentText(content), toolCalls: [], toolResults: [] };
  if (typeof content === 'string') return view;
  for (const block of content) {
    if (isToolCallBlock(block)) {
      const call = toolCallOf(block);
      view.toolCalls.push(call);
      if (call.id) toolNames.set(call.id, call.name);
    } else if (isToolResultBlock(block)) {
      view.toolResults.push(decodeToolResult(block, toolNames));
    }
  }
  return view;
}

function decodeToolResult(block: Record<string, unknown>, toolNames: ReadonlyMap<string, string>): ToolResultView {
  const toolCallId = typeof block.tool_use_id === 'string' ? block.tool_use_id : '';
  const result: ToolResultView = { toolCallId, text: contentText(block.content) };
  const name = toolNames.get(toolCallId);
  if (name) result.name = name;
  return result;
}

/** Custom tools (`input_schema` is their parameters) and server tools (`web_search`, `bash`, ...: a name only). */
function decodeTools(tools: unknown[]): ToolDefinitionView[] {
  return tools.flatMap((tool) => {
    if (!isRecord(tool) || typeof tool.name !== 'string') return [];
    const view: ToolDefinitionView = { name: tool.name };
    if (typeof tool.description === 'string') view.description = tool.description;
    if (tool.input_schema !== undefined) view.parameters = tool.input_schema;
    return [view];
  });
}
