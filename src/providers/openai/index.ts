import { isRecord, jsonResponse } from '../shared/json.js';
import type { DecodeResult, ProviderAdapter } from '../types.js';
import { decodeCompletionRequest, decodeEmbeddingsRequest } from './decode-prompt-request.js';
import { decodeChatRequest } from './decode-request.js';
import { decodeChatResponse, decodeEmbeddingsResponse, emptyResponseView } from './decode-response.js';
import { decodeResponsesRequest } from './decode-responses-request.js';
import { decodeResponsesResponse } from './decode-responses-response.js';
import { responsesStreamReader } from './decode-responses-stream.js';
import { chatStreamReader } from './decode-stream.js';
import { replaceChatToolResults, refuseChatResponse, refuseChatStream } from './encode-refusal.js';
import { replaceResponsesToolResults, refuseResponsesResponse, refuseResponsesStream } from './encode-responses-refusal.js';
import { encodeResponsesStreamTails, redactResponsesStreamEvent } from './redact-responses-stream.js';
import { encodeChatStreamTails, redactChatStreamEvent } from './redact-stream.js';
import { openaiRoutes, openaiAnswerFormat } from './routes.js';
import { forbidResponsesToolCalls, stripChatTools } from './strip-tools.js';
import { rewriteChatToolResultTexts, rewriteResponsesToolResultTexts } from './tool-result-texts.js';
import { encodeChatTextRequest } from './text-request.js';

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
    switch (match.route.operation) {
      case 'chat':
        return decodeChatRequest(json);
      case 'responses':
        return decodeResponsesRequest(json);
      case 'embeddings':
        return decodeEmbeddingsRequest(json);
      case 'text_completion':
        return decodeCompletionRequest(json);
      default:
        return { success: false, message: `Operation ${match.route.operation} takes no body.` };
    }
  },

  // Chat and legacy Completions streams report usage only when asked. Responses streams always
  // end with it (in `response.completed`), so nothing is asked for there.
  requestStreamUsage(operation, json) {
    if ((operation !== 'chat' && operation !== 'text_completion') || json.stream !== true) return false;
    const options = json.stream_options;
    if (isRecord(options) && options.include_usage === true) return false;
    json.stream_options = { ...(isRecord(options) ? options : {}), include_usage: true };
    return true;
  },

  readResponse(operation, json) {
    switch (operation) {
      case 'chat':
      case 'text_completion':
        return decodeChatResponse(json);
      case 'responses':
        return decodeResponsesResponse(json);
      // A response read back (or cancelled) was counted when it was made: its model, not its
      // tokens again (a client polling a background response would count them at every poll).
      case 'responses.retrieve':
      case 'responses.cancel':
        return decodeResponsesResponse(json, false);
      case 'embeddings':
        return decodeEmbeddingsResponse(json);
      default:
        return emptyResponseView();
    }
  },

  flagsToolCallEvents: true,

  replaceToolResults(operation, json, replacements) {
    if (operation === 'chat') return replaceChatToolResults(json, replacements);
    if (operation === 'responses') return replaceResponsesToolResults(json, replacements);
    return false;
  },

  rewriteToolResultTexts(operation, json, rewrite) {
    if (operation === 'chat') rewriteChatToolResultTexts(json, rewrite);
    else if (operation === 'responses') rewriteResponsesToolResultTexts(json, rewrite);
  },

  stripTools(operation, json) {
    if (operation === 'chat') return stripChatTools(json);
    return operation === 'responses' ? forbidResponsesToolCalls(json) : false;
  },

  refuseToolCalls(operation, json, blocked) {
    if (operation === 'chat') return refuseChatResponse(json, blocked);
    if (operation === 'responses' || operation === 'responses.retrieve') return refuseResponsesResponse(json, blocked);
    return undefined;
  },

  refuseToolCallsInStream(operation, held, blocked) {
    if (operation === 'chat') return refuseChatStream(held, blocked);
    if (operation === 'responses' || operation === 'responses.retrieve') return refuseResponsesStream(held, blocked);
    return undefined;
  },

  // Chat, legacy Completions and Responses streams.
  redactStreamEvent(operation, event, redact, end) {
    if (operation === 'chat' || operation === 'text_completion') return redactChatStreamEvent(operation === 'text_completion', event, redact, end);
    if (operation === 'responses' || operation === 'responses.retrieve') return redactResponsesStreamEvent(event, redact, end);
    return event.encoded;
  },

  encodeStreamTails(operation, tails, like) {
    if (operation === 'chat' || operation === 'text_completion') return encodeChatStreamTails(operation === 'text_completion', tails, like);
    if (operation === 'responses' || operation === 'responses.retrieve') return encodeResponsesStreamTails(tails, like);
    return '';
  },

  encodeTextRequest: encodeChatTextRequest,

  answerFormat: openaiAnswerFormat,

  streamReader: (exchange) => (exchange.operation.startsWith('responses') ? responsesStreamReader(exchange) : chatStreamReader(exchange)),
};
