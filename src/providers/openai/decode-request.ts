import { isRecord } from '../shared/json.js';
import type { DecodeResult, MessageView, ToolCallView, ToolDefinitionView, ToolResultView } from '../types.js';

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

/** Decodes a Chat Completions request into the provider-neutral view. */
export function decodeChatRequest(json: unknown): DecodeResult {
  if (!isRecord(json)) return { success: false, message: 'The request body must be a JSON object.' };
  const { model, messages, tools, stream } = json;
  if (typeof model !== 'string' || model.length === 0) {
    return { success: false, message: 'you must provide a model parameter', param: 'model' };
  }
  if (!Array.isArray(messages)) {
    return { success: false, message: "Missing required parameter: 'messages'.", param: 'messages' };
  }
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') {
    return { success: false, message: "Invalid type for 'stream': expected a boolean.", param: 'stream' };
  }
  const decodedMessages: MessageView[] = [];
  for (const [index, message] of messages.entries()) {
    if (!isRecord(message) || typeof message.role !== 'string' || !ROLES.has(message.role)) {
      return { success: false, message: `Invalid value for 'messages[${index}]': expected a message with a valid role.`, param: `messages[${index}]` };
    }
    decodedMessages.push(decodeMessage(message, index));
  }
  if (tools !== undefined && !Array.isArray(tools)) {
    return { success: false, message: "Invalid type for 'tools': expected an array.", param: 'tools' };
  }
  return {
    success: true,
    json,
    view: { model, stream: stream === true, messages: decodedMessages, tools: decodeTools(tools ?? []) },
  };
}

function decodeMessage(message: Record<string, unknown>, index: number): MessageView {
  const role = message.role === 'developer' ? 'system' : message.role === 'function' ? 'tool' : (message.role as MessageView['role']);
  const text = contentText(message.content);
  if (role === 'tool') {
    // A tool result: its text is what the tool returned, kept apart from the conversation's own words.
    const toolCallId = typeof message.tool_call_id === 'string' ? message.tool_call_id : typeof message.name === 'string' ? message.name : '';
    const result: ToolResultView = { toolCallId, text };
    if (typeof message.name === 'string') result.name = message.name;
    return { index, role, text: '', toolCalls: [], toolResults: [result] };
  }
  return { index, role, text, toolCalls: decodeToolCalls(message.tool_calls), toolResults: [] };
}

/** Text of a message: a string, or the text parts of a multimodal content array. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : ''))
    .filter((text) => text.length > 0)
    .join('\n');
}

function decodeToolCalls(toolCalls: unknown): ToolCallView[] {
  if (!Array.isArray(toolCalls)) return [];
  return toolCalls.flatMap((call) => {
    if (!isRecord(call) || !isRecord(call.function)) return [];
    const { name, arguments: args } = call.function;
    return [{ id: typeof call.id === 'string' ? call.id : '', name: typeof name === 'string' ? name : '', arguments: typeof args === 'string' ? args : '' }];
  });
}

function decodeTools(tools: unknown[]): ToolDefinitionView[] {
  return tools.flatMap((tool) => {
    if (!isRecord(tool) || !isRecord(tool.function) || typeof tool.function.name !== 'string') return [];
    const view: ToolDefinitionView = { name: tool.function.name, parameters: tool.function.parameters };
    if (typeof tool.function.description === 'string') view.description = tool.function.description;
    return [view];
  });
}
