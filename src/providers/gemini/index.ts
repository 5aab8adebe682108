import { jsonResponse } from '../shared/json.js';
import type { DecodeResult, ProviderAdapter } from '../types.js';
import { decodeCountTokensRequest, decodeEmbedRequest, decodeGenerateRequest } from './decode-request.js';
import { decodeGenerateResponse, decodeUsageOnly, emptyResponseView } from './decode-response.js';
import { geminiStreamReader } from './decode-stream.js';
import { refuseGenerateResponse, refuseGenerateStream } from './encode-refusal.js';
import { replaceGeminiToolResults } from './replace-tool-results.js';
import { geminiErrorBody } from './errors.js';
import { encodeGenerateStreamTails, redactGenerateStreamEvent } from './redact-stream.js';
import { geminiRoutes, isStreamRoute, geminiAnswerFormat } from './routes.js';
import { encodeGeminiTextRequest } from './text-request.js';
import { forbidGeminiToolCalls } from './strip-tools.js';

/** The header the Gemini API takes its key in (the SDK sends it; REST users may use `?key=`). */
const KEY_HEADER = 'x-goog-api-key';

/** The Gemini API (`generativelanguage.googleapis.com`), as `@google/genai` and REST clients call it. */
export const geminiAdapter: ProviderAdapter = {
  specificationVersion: 'v1',
  name: 'gemini',
  routes: geminiRoutes,
  requiresCredential: true,
  credentialHeaders: [KEY_HEADER],
  // The key leaves the URL (URLs end up in logs) and goes upstream in the header.
  credentialQueryParams: ['key'],

  readCredential(headers, query) {
    const header = headers.get(KEY_HEADER)?.trim();
    if (header) return header;
    const param = query.get('key')?.trim();
    return param ? param : undefined;
  },

  credentialHeader: (key) => [KEY_HEADER, key],

  errorResponse(status, message, _type, headers) {
    return jsonResponse(status, geminiErrorBody(status, message), headers);
  },

  streamErrorEvent(message, format) {
    const event = JSON.stringify(geminiErrorBody(502, message));
    return format === 'sse' ? `data: ${event}\n\n` : `${event}\n`;
  },

  decodeRequest(match, json): DecodeResult {
    // Every POST route captures the model from `{model}:{method}`.
    const model = match.params[0] ?? '';
    switch (match.route.operation) {
      case 'generate_content':
        return decodeGenerateRequest(json, model, isStreamRoute(match.route));
      case 'count_tokens':
        return decodeCountTokensRequest(json, model);
      case 'embeddings':
        return decodeEmbedRequest(json, model, match.nativePath.endsWith('batchEmbedContents'));
      default:
        return { success: false, message: `Operation ${match.route.operation} takes no body.` };
    }
  },

  // Every Gemini stream event carries `usageMetadata`: there is nothing to ask for.
  requestStreamUsage: () => false,

  readResponse(operation, json) {
    if (operation === 'generate_content') return decodeGenerateResponse(json);
    if (operation === 'embeddings') return decodeUsageOnly(json);
    return emptyResponseView();
  },

  flagsToolCallEvents: true,

  // `countTokens` may carry a whole conversation too: its blocked results are removed the same way.
  replaceToolResults: (operation, json, replacements) => (operation === 'generate_content' || operation === 'count_tokens' ? replaceGeminiToolResults(json, replacements) : false),

  refuseToolCalls: (operation, json, blocked) => (operation === 'generate_content' ? refuseGenerateResponse(json, blocked) : undefined),

  refuseToolCallsInStream: (operation, held, blocked) => (operation === 'generate_content' ? refuseGenerateStream(held, blocked) : undefined),

  redactStreamEvent: (operation, event, redact, end) => (operation === 'generate_content' ? redactGenerateStreamEvent(event, redact, end) : event.encoded),

  encodeStreamTails: (operation, tails, like) => (operation === 'generate_content' ? encodeGenerateStreamTails(tails, like) : ''),

  stripTools: (operation, json) => (operation === 'generate_content' ? forbidGeminiToolCalls(json) : false),

  encodeTextRequest: encodeGeminiTextRequest,

  answerFormat: geminiAnswerFormat,

  streamReader: (exchange) => geminiStreamReader(exchange),
};
