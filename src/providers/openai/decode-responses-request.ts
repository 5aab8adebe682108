import { isRecord } from '../shared/json.js';
import type { DecodeResult, MessageView, RequestView } from '../types.js';
import { decodeInputItems, type InputView } from './responses-input-items.js';
import { decodeResponsesTools } from './responses-tools.js';

/**
 * Decodes a Responses API request (`POST /responses`) into the provider-neutral view:
 * `instructions` becomes the system message at index 0, a string `input` one user message, and
 * input items become messages, calls, tool results and untrusted content in order (see
 * decodeInputItems); `tools` become the client's tools and the hosted ones (see
 * decodeResponsesTools). The upstream receives every item unchanged.
 *
 * A conversation continued with `previous_response_id` or `conversation` is stored upstream, out
 * of the proxy's sight: only the new input is in the view, and the stored part counts as
 * untrusted content (it may hold tool output the proxy never saw).
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

  const into: InputView = { messages: [], untrusted: [], tools: decodeResponsesTools(tools ?? []) };
  const push = (role: MessageView['role'], text: string) => into.messages.push({ index: into.messages.length, role, text, toolCalls: [], toolResults: [] });
  if (typeof instructions === 'string') push('system', instructions);
  // A conversation stored upstream is out of the proxy's sight: it may hold anything. A response
  // this proxy judged is continued in the context it was judged in (`view.continues`).
  const previous = json.previous_response_id;
  const continues = typeof previous === 'string' && previous !== '' ? previous : undefined;
  if (continues === undefined && previous !== undefined && previous !== null) into.untrusted.push({ source: 'previous_response_id', messageIndex: into.messages.length, text: '' });
  if (json.conversation !== undefined && json.conversation !== null) into.untrusted.push({ source: 'conversation', messageIndex: into.messages.length, text: '' });
  if (typeof input === 'string') push('user', input);
  if (Array.isArray(input)) {
    const error = decodeInputItems(input, into);
    if (error) return error;
  }
  const view: RequestView = { model: typeof model === 'string' ? model : null, stream: stream === true, messages: into.messages, tools: into.tools.tools };
  if (into.tools.hostedTools.length > 0) view.hostedTools = into.tools.hostedTools;
  if (into.untrusted.length > 0) view.untrusted = into.untrusted;
  if (continues !== undefined) view.continues = continues;
  return { success: true, json, view };
}
