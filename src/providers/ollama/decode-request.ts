import { decodeChatRequest } from '../openai/decode-request.js';
import { isRecord } from '../shared/json.js';
import type { DecodeResult, MessageRole, MessageView, RequestView, ToolDefinitionView, ToolResultView } from '../types.js';
import { OPENAI_CHAT } from './routes.js';
import { createIdSpace } from '../shared/id-space.js';
import { historyCallId, readToolCalls, toolResultId, toolResultName } from './tool-calls.js';

type Decoded = { success: true; view: RequestView } | { success: false; message: string; param?: string };

const ROLES = new Set<MessageRole>(['system', 'user', 'assistant', 'tool']);

/** Decodes a request body of one of Ollama's operations into the provider-neutral view. */
export function decodeOllamaRequest(operation: string, json: unknown): DecodeResult {
  if (operation === OPENAI_CHAT) return decodeChatRequest(json);
  if (!isRecord(json)) return { success: false, message: 'The request body must be a JSON object.' };
  const decoded = decodeNative(operation, json);
  return decoded.success ? { success: true, view: decoded.view, json } : decoded;
}

function decodeNative(operation: string, json: Record<string, unknown>): Decoded {
  // `/api/show` still takes the deprecated `name` in place of `model`.
  const model = operation === 'show' && json.model === undefined ? json.name : json.model;
  if (typeof model !== 'string' || model.length === 0) return { success: false, message: 'model is required', param: 'model' };
  switch (operation) {
    case 'chat':
      return withStream(json, (stream) => decodeChat(model, stream, json));
    case 'generate':
      return withStream(json, (stream) => decodeGenerate(model, stream, json));
    case 'embeddings':
      return decodeEmbed(model, json);
    case 'show':
      return { success: true, view: { model, stream: false, messages: [], tools: [] } };
    default:
      return { success: false, message: `Operation ${operation} takes no body.` };
  }
}

/** Ollama streams unless told `"stream": false`: an absent (or null) `stream` means a stream. */
function withStream(json: Record<string, unknown>, decode: (stream: boolean) => Decoded): Decoded {
  const { stream } = json;
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') {
    return { success: false, message: "invalid type for 'stream': expected a boolean", param: 'stream' };
  }
  return decode(stream !== false);
}

function decodeChat(model: string, stream: boolean, json: Record<string, unknown>): Decoded {
  const { messages, tools } = json;
  if (messages !== undefined && messages !== null && !Array.isArray(messages)) {
    return { success: false, message: "invalid type for 'messages': expected an array", param: 'messages' };
  }
  if (tools !== undefined && tools !== null && !Array.isArray(tools)) {
    return { success: false, message: "invalid type for 'tools': expected an array", param: 'tools' };
  }
  const views: MessageView[] = [];
  // Calls and results are counted apart (a result shares its call's id).
  const ids = { call: createIdSpace(), result: createIdSpace() };
  for (const [index, message] of (messages ?? []).entries()) {
    const role = isRecord(message) && typeof message.role === 'string' ? message.role.toLowerCase() : undefined;
    if (!isRecord(message) || !ROLES.has(role as MessageRole)) {
      return { success: false, message: `invalid message at messages[${index}]: role must be system, user, assistant or tool`, param: `messages[${index}]` };
    }
    const { content } = message;
    if (content !== undefined && content !== null && typeof content !== 'string') {
      return { success: false, message: `invalid message at messages[${index}]: content must be a string`, param: `messages[${index}].content` };
    }
    views.push(decodeMessage(message, role as MessageRole, content ?? '', index, ids));
  }
  return { success: true, view: { model, stream, messages: views, tools: decodeTools(tools ?? []) } };
}

type IdSpace = (own: unknown, positional: string) => string;

function decodeMessage(message: Record<string, unknown>, role: MessageRole, text: string, index: number, ids: { call: IdSpace; result: IdSpace }): MessageView {
  if (role === 'tool') {
    // A tool result: what the tool returned, kept apart from the conversation's own words. Ollama
    // answers a call by its tool's name (`tool_name`), newer servers also by `tool_call_id`, and
    // a client may send neither: each result is known by its own id, else by its position.
    const name = toolResultName(message);
    const result: ToolResultView = { toolCallId: toolResultId(message, index, ids.result), text };
    if (name !== undefined) result.name = name;
    return { index, role, text: '', toolCalls: [], toolResults: [result] };
  }
  const toolCalls = readToolCalls(message.tool_calls, (call, n) => ids.call(isRecord(call) ? call.id : undefined, historyCallId(index, n)));
  return { index, role, text, toolCalls, toolResults: [] };
}

function decodeTools(tools: unknown[]): ToolDefinitionView[] {
  return tools.flatMap((tool) => {
    if (!isRecord(tool) || !isRecord(tool.function) || typeof tool.function.name !== 'string') return [];
    const view: ToolDefinitionView = { name: tool.function.name, parameters: tool.function.parameters };
    if (typeof tool.function.description === 'string') view.description = tool.function.description;
    return [view];
  });
}

/** `/api/generate`: the `system` text and the `prompt` (and a fill-in-the-middle `suffix`). */
function decodeGenerate(model: string, stream: boolean, json: Record<string, unknown>): Decoded {
  for (const field of ['prompt', 'system', 'suffix'] as const) {
    const value = json[field];
    if (value !== undefined && value !== null && typeof value !== 'string') {
      return { success: false, message: `invalid type for '${field}': expected a string`, param: field };
    }
  }
  const parts: [MessageRole, unknown][] = [['system', json.system], ['user', json.prompt], ['user', json.suffix]];
  const messages = parts
    .filter((part): part is [MessageRole, string] => typeof part[1] === 'string' && part[1] !== '')
    .map(([role, text], index): MessageView => ({ index, role, text, toolCalls: [], toolResults: [] }));
  return { success: true, view: { model, stream, messages, tools: [] } };
}

/** `/api/embed`: each input text becomes a user message, so that it can be inspected. */
function decodeEmbed(model: string, json: Record<string, unknown>): Decoded {
  const { input } = json;
  const texts = typeof input === 'string' ? [input] : Array.isArray(input) && input.every((item) => typeof item === 'string') ? (input as string[]) : undefined;
  if (input !== undefined && input !== null && texts === undefined) {
    return { success: false, message: "invalid type for 'input': expected a string or an array of strings", param: 'input' };
  }
  const messages = (texts ?? []).map((text, index): MessageView => ({ index, role: 'user', text, toolCalls: [], toolResults: [] }));
  return { success: true, view: { model, stream: false, messages, tools: [] } };
}
