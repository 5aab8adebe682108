import { type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { VERSION } from '../version.js';

/**
 * Spans go through `@opentelemetry/api` only: the application brings the SDK. With none
 * registered, the API hands out no-op spans that cost next to nothing.
 */
const tracer = trace.getTracer('@archestra/llm-proxy', VERSION);

export type SpanAttributes = Record<string, string | number | boolean>;

export function startLlmSpan(name: string, attributes: SpanAttributes): Span {
  return tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes });
}

export function endLlmSpan(span: Span, attributes: SpanAttributes, error: string | null): void {
  span.setAttributes(attributes);
  if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
  span.end();
}
