import { isRecord } from '../shared/json.js';
import type { DecodeResult, MessageView } from '../types.js';

/**
 * Decodes an Embeddings request (`POST /embeddings`): each text of `input` (a string or an array
 * of strings) becomes a user message. Token-id inputs (arrays of numbers) have no text to show.
 */
export function decodeEmbeddingsRequest(json: unknown): DecodeResult {
  return decodePromptRequest(json, 'input', true);
}

/**
 * Decodes a legacy Completions request (`POST /completions`): each text of `prompt` becomes a user
 * message.
 */
export function decodeCompletionRequest(json: unknown): DecodeResult {
  return decodePromptRequest(json, 'prompt', false);
}

function decodePromptRequest(json: unknown, field: 'input' | 'prompt', required: boolean): DecodeResult {
  if (!isRecord(json)) return { success: false, message: 'The request body must be a JSON object.' };
  const { model, stream } = json;
  const prompt = json[field];
  if (typeof model !== 'string' || model.length === 0) {
    return { success: false, message: 'you must provide a model parameter', param: 'model' };
  }
  if (prompt === undefined || prompt === null) {
    if (required) return { success: false, message: `Missing required parameter: '${field}'.`, param: field };
  } else if (typeof prompt !== 'string' && !Array.isArray(prompt)) {
    return { success: false, message: `Invalid type for '${field}': expected a string or an array.`, param: field };
  }
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') {
    return { success: false, message: "Invalid type for 'stream': expected a boolean.", param: 'stream' };
  }
  const texts = typeof prompt === 'string' ? [prompt] : Array.isArray(prompt) ? prompt.filter((item): item is string => typeof item === 'string') : [];
  const messages: MessageView[] = texts.map((text, index) => ({ index, role: 'user', text, toolCalls: [], toolResults: [] }));
  return { success: true, json, view: { model, stream: stream === true, messages, tools: [] } };
}
