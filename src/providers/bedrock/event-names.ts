import { isRecord, safeParseJson } from '../shared/json.js';

/**
 * Inside the proxy, an AWS event-stream message travels as a named event (see ./event-stream.ts):
 * an `event` message by its `:event-type`, an `exception` message as `exception:<:exception-type>`,
 * an `error` message as `error:<:error-code>`. The data is the message's payload as text.
 */
export const EXCEPTION_PREFIX = 'exception:';
export const ERROR_PREFIX = 'error:';

/** The exception type the proxy's own stream errors carry: the SDK raises `InternalServerException`. */
export const PROXY_STREAM_EXCEPTION = 'internalServerException';

/** An exception or error event's type, and how to read its message; undefined for a normal event. */
export function exceptionOf(event: string | undefined): { type: string; message(data: string): string } | undefined {
  if (event === undefined) return undefined;
  const prefix = event.startsWith(EXCEPTION_PREFIX) ? EXCEPTION_PREFIX : event.startsWith(ERROR_PREFIX) ? ERROR_PREFIX : undefined;
  if (!prefix) return undefined;
  const type = event.slice(prefix.length);
  return {
    type,
    message(data) {
      const parsed = safeParseJson(data);
      const message = parsed.success && isRecord(parsed.value) ? (parsed.value.message ?? parsed.value.Message) : undefined;
      return `${type}: ${typeof message === 'string' ? message : data.slice(0, 500)}`;
    },
  };
}

/** A stream error event in Bedrock's dialect, for a stream the proxy ends: an `internalServerException`. */
export function bedrockStreamErrorEvent(message: string): string {
  return `event: ${EXCEPTION_PREFIX}${PROXY_STREAM_EXCEPTION}\ndata: ${JSON.stringify({ message })}\n\n`;
}
