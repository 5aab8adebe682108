import type { ProviderName } from '../types.js';

/** Token counts as the provider reported them. */
export interface Usage {
  inputTokens: number | null;
  outputTokens: number | null;
}

/** One operation of a provider's API, matched on method and path (relative to its base URL). */
export interface OperationRoute {
  method: 'GET' | 'POST';
  /** Path segments; `*` matches one segment of safe characters. */
  segments: readonly string[];
  /** The name recorded in the audit trail and used as `gen_ai.operation.name`. */
  operation: string;
  /** Whether the request carries a JSON body the proxy decodes. */
  hasBody: boolean;
}

/** One message of the conversation as the policy engine sees it; `index` is its position. */
export interface MessageView {
  index: number;
  role: 'system' | 'user' | 'assistant' | 'tool';
  text: string;
  toolCalls: ToolCallView[];
  /** Set on a tool result: which call it answers. */
  toolCallId?: string;
}

export interface ToolCallView {
  id: string;
  name: string;
  /** The raw JSON text of the arguments, as the model produced it. */
  arguments: string;
}

export interface ToolDefinitionView {
  name: string;
  description?: string;
  parameters?: unknown;
}

/** The provider-neutral view of a request: what the policies judge and what the audit trail shows. */
export interface RequestView {
  model: string | null;
  stream: boolean;
  messages: MessageView[];
  tools: ToolDefinitionView[];
}

/** The result of decoding a request body: either a view, or the reason the body is unacceptable. */
export type DecodeResult =
  | { success: true; view: RequestView; json: Record<string, unknown> }
  | { success: false; message: string; param?: string };

/** Reads one streamed event and tells what it means for the audit trail. */
export interface StreamEventInfo {
  usage?: Usage;
  model?: string;
  /** The event is a usage report the proxy asked for itself: keep it from the client. */
  dropFromClient?: boolean;
  /** The event ends the stream successfully (OpenAI's `[DONE]`). */
  terminal?: boolean;
  /** The event carries an upstream error. */
  error?: string;
}

/**
 * A provider adapter: everything the core needs to know about one wire format. Adapters are pure:
 * no I/O, no state between requests.
 */
export interface ProviderAdapter {
  readonly specificationVersion: 'v1';
  readonly name: ProviderName;
  readonly routes: readonly OperationRoute[];
  /** Whether a request without any credential is refused before it reaches the upstream. */
  readonly requiresCredential: boolean;
  /** The client's credential for this provider, if it sent one. */
  readCredential(headers: Headers): string | undefined;
  /** Header name and value that carry `key` upstream. */
  credentialHeader(key: string): [name: string, value: string];
  /** Request headers that carry a credential and are replaced by `credentialHeader()`. */
  readonly credentialHeaders: readonly string[];
  /** A response in the provider's own error shape, so its SDK raises its own error class. */
  errorResponse(status: number, message: string, type: string, headers?: Record<string, string>): Response;
  /** An error event in the provider's own stream dialect, for a stream that breaks after it began. */
  streamErrorEvent(message: string): string;
  decodeRequest(operation: string, json: unknown): DecodeResult;
  /**
   * Changes a streaming request so the upstream reports usage; returns true if it changed the
   * body (the extra usage event is then kept from the client).
   */
  requestStreamUsage(json: Record<string, unknown>): boolean;
  /** Usage and model from a complete JSON response. */
  readResponse(json: unknown): { usage: Usage; model: string | null };
  /** Reads one SSE event (`data` already joined) of a streamed response. */
  readStreamEvent(data: string, event: string | undefined, injectedUsage: boolean): StreamEventInfo;
}
