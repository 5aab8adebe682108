import type { AnswerFormat, OperationRoute } from '../types.js';

export const CONVERSE = 'converse';
export const CONVERSE_STREAM = 'converse_stream';
export const INVOKE = 'invoke';
export const INVOKE_STREAM = 'invoke_stream';

/**
 * A model id as it appears in the path: a base model (`anthropic.claude-3-5-haiku-20241022-v1:0`),
 * an inference profile, or an ARN, whose `:` and `/` the SDK sends URL-encoded (`%3A`, `%2F`).
 */
const MODEL_ID_SEGMENT = /^(?!\.{1,2}$)([A-Za-z0-9._~:@+%-]{1,2048})$/;

/** Bedrock runtime's model paths the proxy serves (relative to `https://bedrock-runtime.<region>.amazonaws.com`). */
export const bedrockRoutes: readonly OperationRoute[] = [
  { method: 'POST', segments: ['model', MODEL_ID_SEGMENT, 'converse'], operation: CONVERSE, hasBody: true },
  { method: 'POST', segments: ['model', MODEL_ID_SEGMENT, 'converse-stream'], operation: CONVERSE_STREAM, hasBody: true },
  { method: 'POST', segments: ['model', MODEL_ID_SEGMENT, 'invoke'], operation: INVOKE, hasBody: true },
  { method: 'POST', segments: ['model', MODEL_ID_SEGMENT, 'invoke-with-response-stream'], operation: INVOKE_STREAM, hasBody: true },
];

/** Whether an operation streams: the path says so (the body has no `stream` flag). */
export function isStreamOperation(operation: string): boolean {
  return operation === CONVERSE_STREAM || operation === INVOKE_STREAM;
}

/** Streams are read as named events (the event-stream framing is undone around them, ./event-stream.ts). */
export function bedrockAnswerFormat(operation: string): AnswerFormat {
  return isStreamOperation(operation) ? 'sse' : 'json';
}
