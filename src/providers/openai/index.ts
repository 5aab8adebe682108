import { isRecord, jsonResponse, safeParseJson } from '../shared/json.js';
import type { DecodeResult, ProviderAdapter, StreamEventInfo } from '../types.js';
import { decodeChatRequest } from './decode-request.js';
import { openaiRoutes } from './routes.js';
import { readOpenAIUsage } from './usage.js';

/** OpenAI's error body: `{ error: { message, type, param, code } }`. */
function openaiErrorBody(message: string, type: string) {
  return { error: { message, type, param: null, code: type } };
}

export const openaiAdapter: ProviderAdapter = {
  specificationVersion: 'v1',
  name: 'openai',
  routes: openaiRoutes,
  requiresCredential: true,
  credentialHeaders: ['authorization'],

  readCredential(headers) {
    const authorization = headers.get('authorization');
    if (authorization === null) return undefined;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1];
  },

  credentialHeader(key) {
    return ['authorization', `Bearer ${key}`];
  },

  errorResponse(status, message, type, headers) {
    return jsonResponse(status, openaiErrorBody(message, type), headers);
  },

  streamErrorEvent(message) {
    return `data: ${JSON.stringify(openaiErrorBody(message, 'upstream_error'))}\n\n`;
  },

  decodeRequest(operation, json): DecodeResult {
    if (operation === 'chat') return decodeChatRequest(json);
    return { success: false, message: `Operation ${operation} takes no body.` };
  },

  requestStreamUsage(json) {
    if (json.stream !== true) return false;
    const options = json.stream_options;
    if (isRecord(options) && options.include_usage === true) return false;
    json.stream_options = { ...(isRecord(options) ? options : {}), include_usage: true };
    return true;
  },

  readResponse(json) {
    if (!isRecord(json)) return { usage: { inputTokens: null, outputTokens: null }, model: null };
    return {
      usage: readOpenAIUsage(json.usage) ?? { inputTokens: null, outputTokens: null },
      model: typeof json.model === 'string' ? json.model : null,
    };
  },

  readStreamEvent(data, _event, injectedUsage): StreamEventInfo {
    if (data === '[DONE]') return { terminal: true };
    const parsed = safeParseJson(data);
    if (!parsed.success || !isRecord(parsed.value)) return {};
    const chunk = parsed.value;
    const info: StreamEventInfo = {};
    if (isRecord(chunk.error)) {
      info.error = typeof chunk.error.message === 'string' ? chunk.error.message : 'upstream stream error';
    }
    if (typeof chunk.model === 'string') info.model = chunk.model;
    const usage = readOpenAIUsage(chunk.usage);
    if (usage) {
      info.usage = usage;
      // The usage-only chunk (`choices: []`) exists because the proxy asked for it: hide it.
      if (injectedUsage && Array.isArray(chunk.choices) && chunk.choices.length === 0) info.dropFromClient = true;
    }
    return info;
  },
};
