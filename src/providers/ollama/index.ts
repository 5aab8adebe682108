import { openaiAdapter, readBearer } from '../openai/index.js';
import { jsonResponse } from '../shared/json.js';
import type { ProviderAdapter } from '../types.js';
import { decodeOllamaRequest } from './decode-request.js';
import { decodeOllamaResponse } from './decode-response.js';
import { ollamaStreamReader } from './decode-stream.js';
import { replaceOllamaToolResults, refuseOllamaToolCalls, refuseOllamaToolCallsInStream } from './encode-refusal.js';
import { encodeOllamaStreamTails, redactOllamaStreamEvent } from './redact-stream.js';
import { OPENAI_CHAT, ollamaRoutes, ollamaAnswerFormat } from './routes.js';
import { encodeOllamaTextRequest } from './text-request.js';
import { stripOllamaTools } from './strip-tools.js';
import { rewriteChatToolResultTexts } from '../openai/tool-result-texts.js';

/** Ollama's error body: `{ "error": "message" }` (the ollama client raises `ResponseError` with it). */
export function ollamaErrorBody(message: string) {
  return { error: message };
}

/**
 * Ollama: the native API (`/api/chat` and `/api/generate` stream NDJSON by default) and the
 * OpenAI-compatible one under `/v1/`, which speaks OpenAI's wire format and reuses its decoders.
 * A local Ollama takes no key; a hosted one takes `Authorization: Bearer`, passed through.
 */
export const ollamaAdapter: ProviderAdapter = {
  specificationVersion: 'v1',
  name: 'ollama',
  routes: ollamaRoutes,
  requiresCredential: false,
  credentialHeaders: ['authorization'],
  credentialQueryParams: [],

  readCredential: (headers) => readBearer(headers),

  credentialHeader: (key) => ['authorization', `Bearer ${key}`],

  errorResponse(status, message, _type, headers) {
    return jsonResponse(status, ollamaErrorBody(message), headers);
  },

  streamErrorEvent(message, format) {
    // The `/v1/` routes stream OpenAI's SSE: their error event is OpenAI's.
    if (format === 'sse') return openaiAdapter.streamErrorEvent(message, format);
    return `${JSON.stringify(ollamaErrorBody(message))}\n`;
  },

  decodeRequest: (match, json) => decodeOllamaRequest(match.route.operation, json),

  requestStreamUsage(operation, json) {
    // The native stream always ends with the token counts; the OpenAI-compatible one only when asked.
    return operation === OPENAI_CHAT && openaiAdapter.requestStreamUsage('chat', json);
  },

  readResponse: (operation, json) => decodeOllamaResponse(operation, json),

  stripTools: (operation, json) => stripOllamaTools(operation, json),

  encodeTextRequest: encodeOllamaTextRequest,

  answerFormat: ollamaAnswerFormat,

  streamReader: (exchange) => ollamaStreamReader(exchange),

  redactStreamEvent: (operation, event, redact, end) => redactOllamaStreamEvent(operation, event, redact, end),

  encodeStreamTails: (operation, tails, like) => encodeOllamaStreamTails(operation, tails, like),

  // Both readers (NDJSON and the `/v1/` SSE) flag the events that carry tool calls.
  flagsToolCallEvents: true,

  // `/v1/chat/completions` delegates to OpenAI's encoders; `/api/chat` has its own (NDJSON).
  refuseToolCalls: (operation, json, blocked) => refuseOllamaToolCalls(operation, json, blocked),

  refuseToolCallsInStream: (operation, held, blocked) => refuseOllamaToolCallsInStream(operation, held, blocked),

  replaceToolResults: (operation, json, replacements) => replaceOllamaToolResults(operation, json, replacements),

  // `/api/chat` keeps a tool result as a `role: 'tool'` message's string content, as Chat Completions does.
  rewriteToolResultTexts: (operation, json, rewrite) => (operation === 'chat' || operation === OPENAI_CHAT ? rewriteChatToolResultTexts(json, rewrite) : undefined),
};
