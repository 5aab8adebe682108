import { isRecord } from '../shared/json.js';
import type { DecodeResult, MessageRole, MessageView, RequestView, ToolDefinitionView, UntrustedContentView } from '../types.js';
import { createIdSpace } from '../shared/id-space.js';
import { hostedTools, readContent } from './history.js';
import { field, partsText } from './parts.js';

interface Conversation {
  messages: MessageView[];
  tools: ToolDefinitionView[];
  hostedTools: string[];
  untrusted: UntrustedContentView[];
}

type Decoded = ({ success: true } & Conversation) | { success: false; message: string; param?: string };

/** `user` and `model` are Gemini's roles; `function` is the older role of a turn of tool results. */
const ROLES: Record<string, MessageRole> = { user: 'user', model: 'assistant', function: 'tool' };

/**
 * `generateContent` / `streamGenerateContent` (and the `generateContentRequest` of `countTokens`):
 * `systemInstruction` becomes the system message at index 0, then one message per `contents` entry.
 */
export function decodeGenerateRequest(json: unknown, model: string, stream: boolean): DecodeResult {
  if (!isRecord(json)) return invalid('The request body must be a JSON object.');
  const decoded = decodeConversation(json);
  if (!decoded.success) return decoded;
  return { success: true, json, view: view(model, stream, decoded) };
}

/** `countTokens`: either `contents`, or a whole `generateContentRequest`. */
export function decodeCountTokensRequest(json: unknown, model: string): DecodeResult {
  if (!isRecord(json)) return invalid('The request body must be a JSON object.');
  const inner = field(json, 'generateContentRequest', 'generate_content_request');
  if (inner !== undefined && !isRecord(inner)) return invalid('Invalid value at \'generate_content_request\': expected an object.', 'generate_content_request');
  const decoded = decodeConversation(conversationBody(json));
  if (!decoded.success) return decoded;
  return { success: true, json, view: view(model, false, decoded) };
}

/** `embedContent` (one `content`) and `batchEmbedContents` (`requests[].content`): each content is a user message. */
export function decodeEmbedRequest(json: unknown, model: string, batch: boolean): DecodeResult {
  if (!isRecord(json)) return invalid('The request body must be a JSON object.');
  let contents: unknown[];
  if (batch) {
    if (!Array.isArray(json.requests)) return invalid('* BatchEmbedContentsRequest.requests: requests is not specified', 'requests');
    contents = json.requests.map((request) => (isRecord(request) ? request.content : undefined));
  } else {
    contents = [json.content];
  }
  const messages: MessageView[] = [];
  for (const [index, content] of contents.entries()) {
    if (!isRecord(content)) return invalid(`* EmbedContentRequest.content: content is not specified (entry ${index}).`, 'content');
    messages.push({ index, role: 'user', text: partsText(content.parts).join('\n'), toolCalls: [], toolResults: [] });
  }
  return { success: true, json, view: { model, stream: false, messages, tools: [] } };
}

/**
 * The body that holds the conversation: `countTokens` takes a whole `generateContentRequest`, and
 * then ignores a top-level `contents` (as the API documents). The decoder and the encoder that
 * replaces tool results read the same one.
 */
export function conversationBody(json: Record<string, unknown>): Record<string, unknown> {
  const inner = field(json, 'generateContentRequest', 'generate_content_request');
  return isRecord(inner) ? inner : json;
}

function view(model: string, stream: boolean, decoded: Conversation): RequestView {
  const view: RequestView = { model, stream, messages: decoded.messages, tools: decoded.tools };
  if (decoded.hostedTools.length > 0) view.hostedTools = decoded.hostedTools;
  if (decoded.untrusted.length > 0) view.untrusted = decoded.untrusted;
  return view;
}

function decodeConversation(json: Record<string, unknown>): Decoded {
  const { contents } = json;
  if (!Array.isArray(contents)) return invalid('* GenerateContentRequest.contents: contents is not specified', 'contents');
  const messages: MessageView[] = [];
  const system = field(json, 'systemInstruction', 'system_instruction');
  if (system !== undefined && system !== null) {
    // A bare string is what the SDKs accept and turn into a Content; take it either way.
    const text = typeof system === 'string' ? system : isRecord(system) ? partsText(system.parts).join('\n') : null;
    if (text === null) return invalid('Invalid value at \'system_instruction\': expected a Content object.', 'system_instruction');
    messages.push({ index: 0, role: 'system', text, toolCalls: [], toolResults: [] });
  }
  const untrusted: UntrustedContentView[] = [];
  // Content cached earlier (`cachedContent`) is context this proxy cannot see: it may hold anything.
  const cached = field(json, 'cachedContent', 'cached_content');
  if (typeof cached === 'string' && cached !== '') untrusted.push({ source: 'cachedContent', messageIndex: messages.length, text: '' });
  const ids = { call: createIdSpace(), result: createIdSpace() };
  for (const [position, content] of contents.entries()) {
    if (!isRecord(content)) return invalid(`Invalid value at 'contents[${position}]': expected a Content object.`, `contents[${position}]`);
    // A single-turn request may leave the role out: it is the user's.
    const role = content.role === undefined || content.role === '' ? 'user' : content.role;
    const mapped = typeof role === 'string' ? ROLES[role] : undefined;
    if (mapped === undefined) return invalid('Please use a valid role: user, model.', `contents[${position}].role`);
    const parts = readContent(content, position, ids);
    const index = messages.length;
    messages.push({ index, role: mapped, text: parts.text.join('\n'), toolCalls: parts.toolCalls, toolResults: parts.toolResults });
    untrusted.push(...parts.untrusted.map((entry) => ({ ...entry, messageIndex: index })));
  }
  const tools = json.tools;
  if (tools !== undefined && !Array.isArray(tools)) return invalid('Invalid value at \'tools\': expected a list of Tool objects.', 'tools');
  return { success: true, messages, tools: decodeTools(tools ?? []), hostedTools: hostedTools(tools ?? []), untrusted };
}

/** `tools[].functionDeclarations[]`; built-in tools (`googleSearch`, `codeExecution`) declare no function. */
function decodeTools(tools: unknown[]): ToolDefinitionView[] {
  return tools.flatMap((tool) => {
    if (!isRecord(tool)) return [];
    const declarations = field(tool, 'functionDeclarations', 'function_declarations');
    if (!Array.isArray(declarations)) return [];
    return declarations.flatMap((declaration): ToolDefinitionView[] => {
      if (!isRecord(declaration) || typeof declaration.name !== 'string') return [];
      const definition: ToolDefinitionView = { name: declaration.name };
      const parameters = declaration.parameters ?? field(declaration, 'parametersJsonSchema', 'parameters_json_schema');
      if (parameters !== undefined) definition.parameters = parameters;
      if (typeof declaration.description === 'string') definition.description = declaration.description;
      return [definition];
    });
  });
}

function invalid(message: string, param?: string): { success: false; message: string; param?: string } {
  return param === undefined ? { success: false, message } : { success: false, message, param };
}
