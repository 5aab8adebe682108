import { jsonResponse } from '../shared/json.js';
import type { DecodeResult, ProviderAdapter } from '../types.js';
import { decodeMessagesRequest } from './decode-request.js';
import { decodeMessageResponse, emptyResponseView } from './decode-response.js';
import { messagesStreamReader } from './decode-stream.js';
import { replaceMessageToolResults, refuseMessageResponse, refuseMessageStream } from './encode-refusal.js';
import { anthropicErrorBody, anthropicStreamErrorEvent } from './errors.js';
import { encodeMessagesStreamTails, redactMessagesStreamEvent } from './redact-stream.js';
import { anthropicRoutes, anthropicAnswerFormat } from './routes.js';
import { encodeMessagesTextRequest } from './text-request.js';
import { rewriteMessageToolResultTexts } from './tool-result-texts.js';
import { forbidMessageToolCalls } from './strip-tools.js';

/** Claude OAuth access tokens (`sk-ant-oat…`) authenticate as a bearer token, never as `x-api-key`. */
const OAUTH_TOKEN_PREFIX = 'sk-ant-oat';

/**
 * The client's key: `x-api-key` (the 0.x SDKs, curl, most tools) or `Authorization: Bearer`
 * (the 1.x SDK sends its `apiKey` that way).
 */
export function readAnthropicCredential(headers: Headers): string | undefined {
  const apiKey = headers.get('x-api-key')?.trim();
  if (apiKey) return apiKey;
  const authorization = headers.get('authorization');
  if (authorization === null) return undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
}

export const anthropicAdapter: ProviderAdapter = {
  specificationVersion: 'v1',
  name: 'anthropic',
  routes: anthropicRoutes,
  requiresCredential: true,
  // `anthropic-version` and `anthropic-beta` are not credentials: they flow through.
  credentialHeaders: ['x-api-key', 'authorization'],
  credentialQueryParams: [],

  readCredential: (headers) => readAnthropicCredential(headers),

  credentialHeader: (key) => (key.startsWith(OAUTH_TOKEN_PREFIX) ? ['authorization', `Bearer ${key}`] : ['x-api-key', key]),

  errorResponse(status, message, type, headers) {
    return jsonResponse(status, anthropicErrorBody(status, message, type), headers);
  },

  streamErrorEvent: (message) => anthropicStreamErrorEvent(message),

  decodeRequest(match, json): DecodeResult {
    const { operation } = match.route;
    if (operation === 'chat' || operation === 'count_tokens') return decodeMessagesRequest(json);
    return { success: false, message: `Operation ${operation} takes no body.` };
  },

  // Anthropic streams always report usage (`message_start`, `message_delta`): nothing to ask for.
  requestStreamUsage: () => false,

  // count_tokens answers `{ input_tokens }` but spends none: it is not usage.
  readResponse: (operation, json) => (operation === 'chat' ? decodeMessageResponse(json) : emptyResponseView()),

  stripTools: (operation, json) => (operation === 'chat' ? forbidMessageToolCalls(json) : false),

  encodeTextRequest: encodeMessagesTextRequest,

  answerFormat: anthropicAnswerFormat,

  streamReader: (exchange) => messagesStreamReader(exchange),
  // The reader marks a call's content_block_start and input_json_delta events (a `tool_use`, or a
  // block of a type it does not know): text before the first call streams on while the calls are
  // held for their policy decision.
  flagsToolCallEvents: true,

  // Refused calls leave a Messages answer as a normal assistant message: the `tool_use` blocks
  // (and unknown blocks) go, by the ids the decoders gave them, and a text block says why (see
  // ./encode-refusal.ts). count_tokens answers no call.
  refuseToolCalls: (operation, json, blocked) => (operation === 'chat' ? refuseMessageResponse(json, blocked) : undefined),

  refuseToolCallsInStream: (operation, held, blocked) => (operation === 'chat' ? refuseMessageStream(held, blocked) : undefined),

  redactStreamEvent: (operation, event, redact, end) => (operation === 'chat' ? redactMessagesStreamEvent(event, redact, end) : event.encoded),

  encodeStreamTails: (operation, tails, like) => (operation === 'chat' ? encodeMessagesStreamTails(tails, like) : ''),

  // count_tokens sends the same messages but nothing reaches a model: redacting there is harmless.
  replaceToolResults: (operation, json, replacements) => (operation === 'chat' || operation === 'count_tokens' ? replaceMessageToolResults(json, replacements) : false),

  rewriteToolResultTexts: (operation, json, rewrite) => (operation === 'chat' ? rewriteMessageToolResultTexts(json, rewrite) : undefined),
};
