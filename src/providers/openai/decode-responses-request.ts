import { isRecord } from '../shared/json.js';
import type { DecodeResult, MessageView, ToolDefinitionView } from '../types.js';
import { contentText } from './decode-request.js';

/** Roles an input message may have; `developer` is the Responses API's name for system. */
const ROLES = new Set(['system', 'developer', 'user', 'assistant']);

type Decoded = { success: true; message: MessageView | null } | { success: false; message: string; param: string };

/**
 * Decodes a Responses API request (`POST /responses`) into the provider-neutral view:
 * `instructions` becomes the system message at index 0, a string `input` one user message, and
 * input items become messages in order: messages, `function_call` items (tool calls) and
 * `function_call_output` items (tool results). Items the view has no place for (reasoning, item
 * references, built-in tool calls) are skipped; the upstream still receives them unchanged.
 *
 * A conversation continued with `previous_response_id` or `conversation` is stored upstream: only
 * the new input is in the view.
 */
export function decodeResponsesRequest(json: unknown): DecodeResult {
  if (!isRecord(json)) return { success: false, message: 'The request body must be a JSON object.' };
  const { model, input, instructions, tools, stream } = json;
  if (model !== undefined && (typeof model !== 'string' || model.length === 0)) {
    return { success: false, message: "Invalid type for 'model': expected a non-empty string.", param: 'model' };
  }
  // A stored prompt (`prompt: { id }`) may name the model itself.
  if (model === undefined && !isRecord(json.prompt)) {
    return { success: false, message: "Missing required parameter: 'model'.", param: 'model' };
  }
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') {
    return { success: false, message: "Invalid type for 'stream': expected a boolean.", param: 'stream' };
  }
  if (instructions !== undefined && instructions !== null && typeof instructions !== 'string') {
    return { success: false, message: "Invalid type for 'instructions': expected a string.", param: 'instructions' };
  }
  if (input !== undefined && input !== null && typeof input !== 'string' && !Array.isArray(input)) {
    return { success: false, message: "Invalid type for 'input': expected a string or an array of input items.", param: 'input' };
  }
  if (tools !== undefined && tools !== null && !Array.isArray(tools)) {
    return { success: false, message: "Invalid type for 'tools': expected an array.", param: 'tools' };
  }

  const messages: MessageView[] = [];
  const push = (message: Omit<MessageView, 'index'>) => messages.push({ ...message, index: messages.length });
  if (typeof instructions === 'string') push({ role: 'system', text: instructions, toolCalls: [], toolResults: [] });
  if (typeof input === 'string') push({ role: 'user', text: input, toolCalls: [], toolResults: [] });
  if (Array.isArray(input)) {
    const callNames = new Map<string, string>();
    for (const [position, item] of input.entries()) {
      const decoded = decodeItem(item, position, callNames);
      if (!decoded.success) return decoded;
      if (decoded.message) push(decoded.message);
    }
  }
  return {
    success: true,
    json,
    view: { model: typeof model === 'string' ? model : null, stream: stream === true, messages, tools: decodeResponsesTools(tools ?? []) },
  };
}

/** One input item; `callNames` maps the call ids seen so far to their tool names. */
function decodeItem(item: unknown, position: number, callNames: Map<string, string>): Decoded {
  const param = `input[${position}]`;
  if (!isRecord(item)) return { success: false, message: `Invalid type for '${param}': expected an input item object.`, param };
  const type = item.type ?? 'message';
  if (type === 'message') {
    if (typeof item.role !== 'string' || !ROLES.has(item.role)) {
      return { success: false, message: `Invalid value for '${param}.role': expected one of 'user', 'assistant', 'system' or 'developer'.`, param: `${param}.role` };
    }
    const role = item.role === 'developer' ? 'system' : (item.role as MessageView['role']);
    return { success: true, message: { index: 0, role, text: partsText(item.content), toolCalls: [], toolResults: [] } };
  }
  if (type === 'function_call' || type === 'custom_tool_call') {
    const id = text(item.call_id);
    const name = text(item.name);
    if (id) callNames.set(id, name);
    // A custom tool's call carries free-form `input` where a function call carries JSON `arguments`.
    const args = type === 'function_call' ? text(item.arguments) : text(item.input);
    return { success: true, message: { index: 0, role: 'assistant', text: '', toolCalls: [{ id, name, arguments: args }], toolResults: [] } };
  }
  if (type === 'function_call_output' || type === 'custom_tool_call_output') {
    const toolCallId = text(item.call_id);
    const result = { toolCallId, text: partsText(item.output), ...(callNames.has(toolCallId) ? { name: callNames.get(toolCallId)! } : {}) };
    return { success: true, message: { index: 0, role: 'tool', text: '', toolCalls: [], toolResults: [result] } };
  }
  return { success: true, message: null };
}

/**
 * Text of a content value: a string, or the text of its parts (`input_text`, `output_text`, and
 * `refusal`, whose text is in `refusal`).
 */
function partsText(content: unknown): string {
  if (!Array.isArray(content)) return contentText(content);
  return content
    .map((part) => (isRecord(part) ? (typeof part.text === 'string' ? part.text : typeof part.refusal === 'string' ? part.refusal : '') : ''))
    .filter((part) => part.length > 0)
    .join('\n');
}

/** Function tools are flat here (`{ type: 'function', name, parameters }`); custom tools have a name too. */
export function decodeResponsesTools(tools: unknown[]): ToolDefinitionView[] {
  return tools.flatMap((tool) => {
    if (!isRecord(tool) || (tool.type !== 'function' && tool.type !== 'custom') || typeof tool.name !== 'string') return [];
    const view: ToolDefinitionView = { name: tool.name };
    if (tool.type === 'function') view.parameters = tool.parameters;
    if (typeof tool.description === 'string') view.description = tool.description;
    return [view];
  });
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
