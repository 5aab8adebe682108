/** Anthropic's error types by HTTP status (https://docs.anthropic.com/en/api/errors). */
const TYPE_BY_STATUS: ReadonlyMap<number, string> = new Map([
  [400, 'invalid_request_error'],
  [401, 'authentication_error'],
  [402, 'billing_error'],
  [403, 'permission_error'],
  [404, 'not_found_error'],
  [413, 'request_too_large'],
  [429, 'rate_limit_error'],
  [500, 'api_error'],
  [504, 'timeout_error'],
  [529, 'overloaded_error'],
]);

const ANTHROPIC_TYPES = new Set(TYPE_BY_STATUS.values());

/**
 * The Anthropic error type for a status. The core names its own types (`upstream_error`,
 * `proxy_error`, ...); the status decides, then a type Anthropic knows, then the status class.
 */
export function anthropicErrorType(status: number, type: string): string {
  const byStatus = TYPE_BY_STATUS.get(status);
  if (byStatus) return byStatus;
  if (ANTHROPIC_TYPES.has(type)) return type;
  return status >= 500 ? 'api_error' : 'invalid_request_error';
}

/** Anthropic's error body: `{ type: 'error', error: { type, message } }`. */
export function anthropicErrorBody(status: number, message: string, type: string) {
  return { type: 'error', error: { type: anthropicErrorType(status, type), message } };
}

/** An `error` event of a Messages stream, as Anthropic sends one when a stream fails after it began. */
export function anthropicStreamErrorEvent(message: string): string {
  return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message } })}\n\n`;
}
