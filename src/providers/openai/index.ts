import { isRecord, jsonResponse } from '../shared/json.js';
import type { DecodeResult, ProviderAdapter } from '../types.js';
import { decodeChatRequest } from './decode-request.js';
import { decodeChatResponse, emptyResponseView } from './decode-response.js';
import { chatStreamReader } from './decode-stream.js';
import { openaiRoutes } from './routes.js';

/** OpenAI's error body: `{ error: { message, type, param, code } }`. */
export function openaiErrorBody(message: string, type: string) {
  return { error: { message, type, param: null, code: type } };
}

/** Reads `Authorization: Bearer <key>`. */
export function readBearer(headers: Headers): string | undefined {
  const authorization = headers.get('authorization');
  if (authorization === null) return undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
}

export const openaiAdapter: ProviderAdapter = {
  specificationVersion: 'v1',
  name: 'openai',
  routes: openaiRoutes,
  requiresCredential: true,
  credentialHeaders: ['authorization'],
  credentialQueryParams: [],

  readCredential: (headers) => readBearer(headers),

  credentialHeader: (key) => ['authorization', `Bearer ${key}`],

  errorResponse(status, message, type, headers) {
    return jsonResponse(status, openaiErrorBody(message, type), headers);
  },

  streamErrorEvent(message) {
    return `data: ${JSON.stringify(openaiErrorBody(message, 'upstream_error'))}\n\n`;
  },

  decodeRequest(match, json): DecodeResult {
    if (match.route.operation === 'chat') return decodeChatRequest(json);
    return { success: false, message: `Operation ${match.route.operation} takes no body.` };
  },

  requestStreamUsage(operation, json) {
    if (operation !== 'chat' || json.stream !== true) return false;
    const options = json.stream_options;
    if (isRecord(options) && options.include_usage === true) return false;
    json.stream_options = { ...(isRecord(options) ? options : {}), include_usage: true };
    return true;
  },

  readResponse(operation, json) {
    return operation === 'chat' ? decodeChatResponse(json) : emptyResponseView();
  },

  streamReader: (exchange) => chatStreamReader(exchange),
};
