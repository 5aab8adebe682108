import { decodeMessageResponse } from '../anthropic/decode-response.js';
import { refuseMessageResponse, replaceMessageToolResults } from '../anthropic/encode-refusal.js';
import { encodeMessagesStreamTails, redactMessagesStreamEvent } from '../anthropic/redact-stream.js';
import { forbidMessageToolCalls } from '../anthropic/strip-tools.js';
import type { DecodeResult, ProviderAdapter } from '../types.js';
import { readBedrockCredential } from './credential.js';
import { decodeConverseRequest } from './decode-request.js';
import { decodeConverseResponse } from './decode-response.js';
import { converseStreamReader } from './decode-stream.js';
import { refuseConverseResponse, refuseConverseStream, replaceConverseToolResults, stripConverseTools } from './encode-refusal.js';
import { bedrockErrorResponse } from './errors.js';
import { bedrockStreamErrorEvent } from './event-names.js';
import { eventStreamToSse, sseToEventStream } from './event-stream.js';
import { encodeConverseStreamTails, redactConverseStreamEvent } from './redact-stream.js';
import { decodeInvokeRequest, invokeStreamReader, refuseInvokeStream } from './invoke.js';
import { CONVERSE, CONVERSE_STREAM, INVOKE, INVOKE_STREAM, bedrockAnswerFormat, bedrockRoutes, isStreamOperation } from './routes.js';

const isConverse = (operation: string) => operation === CONVERSE || operation === CONVERSE_STREAM;
const isInvoke = (operation: string) => operation === INVOKE || operation === INVOKE_STREAM;

/**
 * AWS Bedrock runtime: Converse and ConverseStream for every model, InvokeModel (and its stream)
 * for Anthropic models, whose bodies are Anthropic's Messages and are judged by the Anthropic
 * decoders. Streams come in AWS event-stream framing, undone and redone around the stream
 * inspection (`streamFraming`). Upstream, the request is signed with the proxy's AWS credentials
 * (SigV4), or carries a Bedrock API key as a bearer token (src/pipeline/upstream-credential.ts).
 */
export const bedrockAdapter: ProviderAdapter = {
  specificationVersion: 'v1',
  name: 'bedrock',
  routes: bedrockRoutes,
  requiresCredential: true,
  // The client's signature and its parts: the proxy signs anew, or sends a bearer key.
  credentialHeaders: ['authorization', 'x-amz-security-token', 'x-amz-date', 'x-amz-content-sha256'],
  credentialQueryParams: [],

  readCredential: (headers) => readBedrockCredential(headers),

  credentialHeader: (key) => ['authorization', `Bearer ${key}`],

  errorResponse: (status, message, _type, headers) => bedrockErrorResponse(status, message, headers),

  streamErrorEvent: (message) => bedrockStreamErrorEvent(message),

  decodeRequest(match, json): DecodeResult {
    const { operation } = match.route;
    let model: string;
    try {
      model = decodeURIComponent(match.params[0] ?? '');
    } catch {
      return { success: false, message: 'The model id in the path is not valid URL encoding.', param: 'modelId' };
    }
    if (isConverse(operation)) return decodeConverseRequest(json, model, isStreamOperation(operation));
    if (isInvoke(operation)) return decodeInvokeRequest(json, model, isStreamOperation(operation));
    return { success: false, message: `Operation ${operation} is not served.` };
  },

  // Both APIs report usage in every answer (a stream's `metadata` event, Anthropic's message events).
  requestStreamUsage: () => false,

  readResponse: (operation, json) => (isInvoke(operation) ? decodeMessageResponse(json) : decodeConverseResponse(json)),

  answerFormat: (operation) => bedrockAnswerFormat(operation),

  streamReader: (exchange) => (isInvoke(exchange.operation) ? invokeStreamReader(exchange) : converseStreamReader(exchange)),
  flagsToolCallEvents: true,

  streamFraming: {
    mediaType: 'application/vnd.amazon.eventstream',
    decode: (operation, body) => eventStreamToSse(operation, body),
    encode: (operation, stream) => sseToEventStream(operation, stream),
  },

  refuseToolCalls: (operation, json, blocked) => (isInvoke(operation) ? refuseMessageResponse(json, blocked) : refuseConverseResponse(json, blocked)),

  refuseToolCallsInStream: (operation, held, blocked) => (isInvoke(operation) ? refuseInvokeStream(held, blocked) : refuseConverseStream(held, blocked)),

  replaceToolResults: (operation, json, replacements) => (isInvoke(operation) ? replaceMessageToolResults(json, replacements) : replaceConverseToolResults(json, replacements)),

  stripTools: (operation, json) => (isInvoke(operation) ? forbidMessageToolCalls(json) : stripConverseTools(json)),

  // Streamed text is redacted in either dialect: ConverseStream's deltas, or the Anthropic events in the chunks.
  redactStreamEvent: (operation, event, redact, end) => (operation === INVOKE_STREAM ? redactMessagesStreamEvent(event, redact, end) : redactConverseStreamEvent(event, redact, end)),

  encodeStreamTails: (operation, tails, like) => (operation === INVOKE_STREAM ? encodeMessagesStreamTails(tails, like) : encodeConverseStreamTails(tails)),
};
