import { jsonResponse } from '../shared/json.js';

/**
 * Bedrock's error type by status: the AWS SDK picks its exception class from `x-amzn-ErrorType`
 * (`ValidationException` -> `ValidationException`, ...), and reads `message` from the body.
 */
const TYPE_BY_STATUS: ReadonlyMap<number, string> = new Map([
  [400, 'ValidationException'],
  [401, 'AccessDeniedException'],
  [402, 'ServiceQuotaExceededException'],
  [403, 'AccessDeniedException'],
  [404, 'ResourceNotFoundException'],
  [408, 'ModelTimeoutException'],
  [413, 'ValidationException'],
  [424, 'ModelErrorException'],
  [429, 'ThrottlingException'],
  [503, 'ServiceUnavailableException'],
]);

export function bedrockErrorType(status: number): string {
  return TYPE_BY_STATUS.get(status) ?? (status >= 500 ? 'InternalServerException' : 'ValidationException');
}

/** An error as Bedrock answers one: `{ message }` with the exception's name in `x-amzn-ErrorType`. */
export function bedrockErrorResponse(status: number, message: string, headers: Record<string, string> = {}): Response {
  return jsonResponse(status, { message }, { 'x-amzn-errortype': `${bedrockErrorType(status)}:http://internal.amazon.com/coral/com.amazon.bedrock/`, ...headers });
}
