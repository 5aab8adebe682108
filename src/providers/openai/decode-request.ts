import { isRecord } from '../shared/json.js';
import type { DecodeResult, MessageView, RequestView, ToolDefinitionView, ToolResultView, UntrustedContentView } from '../types.js';
import { createCallIds, readMessageCalls, toolResultIds } from './chat-tool-calls.js';

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

/** Decodes a Chat Completions request into the provider-neutral view. */
export function decodeChatRequest(json: unknown): DecodeResult {
  if (!isRecord(json)) return { success: false, message: 'The request body must be a JSON object.' };
  const { model, messages, tools, functions, stream } = json;
  if (typeof model !== 'string' || model.length === 0) {
    return { success: false, message: 'you must provide a model parameter', param: 'model' };
  }
  if (!Array.isArray(messages)) {
    return { success: false, message: "Missing required parameter: 'messages'.", param: 'messages' };
  }
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') {
    return { success: false, message: "Invalid type for 'stream': expected a boolean.", param: 'stream' };
  }
  for (const [index, message] of messages.entries()) {
    if (!isRecord(message) || typeof message.role !== 'string' || !ROLES.has(message.role)) {
      return { success: false, message: `Invalid value for 'messages[${index}]': expected a message with a valid role.`, param: `messages[${index}]` };
    }
  }
  for (const [param, list] of [['tools', tools], ['functions', functions]] as const) {
    if (list !== undefined && list !== null && !Array.isArray(list)) {
      return { success: false, message: `Invalid type for '${param}': expected an array.`, param };
    }
  }
  const view: RequestView = {
    model,
    stream: stream === true,
    messages: decodeMessages(messages as Record<string, unknown>[]),
    tools: [...decodeTools(Array.isArray(tools) ? tools : []), ...decodeFunctions(Array.isArray(functions) ? functions : [])],
  };
  // Search models read the web for the answer (`web_search_options`): outside content in it.
  if (json.web_search_options !== undefined && json.web_search_options !== null) view.hostedTools = ['web_search'];
  const untrusted = messages.flatMap((message, index) => attachedFiles(message as Record<string, unknown>, index));
  if (untrusted.length > 0) view.untrusted = untrusted;
  return { success: true, json, view };
}

function decodeMessages(messages: readonly Record<string, unknown>[]): MessageView[] {
  const callIds = createCallIds();
  const resultIds = toolResultIds(messages);
  const views = messages.map((message, index): MessageView => {
    const role = message.role === 'developer' ? 'system' : message.role === 'function' ? 'tool' : (message.role as MessageView['role']);
    if (role === 'tool') {
      // A tool result: its text is what the tool returned, kept apart from the conversation's own words.
      const result: ToolResultView = { toolCallId: resultIds.get(index) ?? `#r${index}`, text: contentText(message.content) };
      if (typeof message.name === 'string') result.name = message.name;
      return { index, role, text: '', toolCalls: [], toolResults: [result] };
    }
    const toolCalls = role === 'assistant' ? readMessageCalls(message, `#m${index}`, callIds).map((call) => call.view) : [];
    return { index, role, text: contentText(message.content), toolCalls, toolResults: [] };
  });
  nameResultsByRawId(messages, views);
  return views;
}

/**
 * A result answering a call by an id the view had to replace (numeric, repeated) is still named
 * after that call, so trusted-data rules for the tool apply to it.
 */
function nameResultsByRawId(messages: readonly Record<string, unknown>[], views: MessageView[]): void {
  const names = new Map<string, string>();
  messages.forEach((message, index) => {
    if (message.role !== 'assistant' || !Array.isArray(message.tool_calls)) return;
    message.tool_calls.forEach((entry, position) => {
      const name = views[index]?.toolCalls[position]?.name;
      if (isRecord(entry) && entry.id !== undefined && entry.id !== null && name !== undefined && !names.has(String(entry.id))) names.set(String(entry.id), name);
    });
  });
  messages.forEach((message, index) => {
    const result = views[index]?.toolResults[0];
    if (!result || !result.toolCallId.startsWith('#') || result.name !== undefined || message.tool_call_id === undefined || message.tool_call_id === null) return;
    const name = names.get(String(message.tool_call_id));
    if (name !== undefined) result.name = name;
  });
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

/** Files attached to a message (`type: 'file'` parts): documents from outside, never the user's own words. */
function attachedFiles(message: Record<string, unknown>, index: number): UntrustedContentView[] {
  if (!Array.isArray(message.content)) return [];
  return message.content.flatMap((part) => {
    if (!isRecord(part) || part.type !== 'file') return [];
    const file = isRecord(part.file) ? part.file : {};
    const label = [file.filename, file.file_id].find((value) => typeof value === 'string') as string | undefined;
    return [{ source: 'file', messageIndex: index, text: label ?? '' }];
  });
}

/** `tools`: function tools (`function: { name, description, parameters }`), custom tools (`custom: { name, description, format }`). */
function decodeTools(tools: unknown[]): ToolDefinitionView[] {
  return tools.flatMap((tool): ToolDefinitionView[] => {
    if (!isRecord(tool)) return [];
    if (tool.type === 'custom' || (tool.type === undefined && isRecord(tool.custom))) {
      return isRecord(tool.custom) ? definition(tool.custom, tool.custom.format) : [];
    }
    if (isRecord(tool.function)) return definition(tool.function, tool.function.parameters);
    // A tool type this proxy does not know: still a declared tool (its calls are then judged strictly).
    return typeof tool.type === 'string' && tool.type !== '' ? [{ name: tool.type }] : [];
  });
}

/** The legacy `functions`: `{ name, description, parameters }` each. */
function decodeFunctions(functions: unknown[]): ToolDefinitionView[] {
  return functions.flatMap((fn) => (isRecord(fn) ? definition(fn, fn.parameters) : []));
}

function definition(source: Record<string, unknown>, parameters: unknown): ToolDefinitionView[] {
  if (typeof source.name !== 'string') return [];
  const view: ToolDefinitionView = { name: source.name, parameters };
  if (typeof source.description === 'string') view.description = source.description;
  return [view];
}
