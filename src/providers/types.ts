import type { BlockedCall, ToolResultReplacement } from '../policy/refusal.js';
import type { ProviderName } from '../types.js';

/** Token counts as the provider reported them. */
/**
 * Token counts as the provider reports them. The optional kinds are set where the provider
 * reports them, and priced apart (src/pricing/): cache reads lower, cache writes higher, reasoning
 * at the model's reasoning rate where it has one.
 */
export interface Usage {
  /** Prompt tokens as reported: OpenAI and Gemini count cache reads in; Anthropic does not (`inputIncludesCache`). */
  inputTokens: number | null;
  /** Answer tokens, reasoning included. */
  outputTokens: number | null;
  /** Prompt tokens read from the provider's prompt cache. */
  cacheReadTokens?: number | null;
  /** Prompt tokens written to the provider's prompt cache (Anthropic). */
  cacheWriteTokens?: number | null;
  /** Of `cacheWriteTokens`, those written for an hour (Anthropic's 1h cache, priced higher than 5 minutes). */
  cacheWrite1hTokens?: number | null;
  /** Of `outputTokens`, the reasoning ("thinking") tokens, where reported apart. */
  reasoningTokens?: number | null;
  /** False when `inputTokens` leaves the cache reads and writes out (Anthropic): the prompt is their sum. @default true */
  inputIncludesCache?: boolean;
}

/**
 * One path segment of a route: a literal, or a pattern whose first capture group (or the whole
 * match) is a parameter such as the model in Gemini's `models/{model}:generateContent`.
 */
export type SegmentPattern = string | RegExp;

/** One operation of a provider's API, matched on method and path (relative to its base URL). */
export interface OperationRoute {
  method: 'GET' | 'POST' | 'DELETE';
  segments: readonly SegmentPattern[];
  /** The name recorded in the audit trail and used as `gen_ai.operation.name`. */
  operation: string;
  /** Whether the request carries a JSON body the proxy decodes. */
  hasBody: boolean;
}

/** A route matched against a request: the parameters its patterns captured, in order. */
export interface RouteMatch {
  route: OperationRoute;
  params: readonly string[];
  /** The native path, as it is appended to the upstream base URL. */
  nativePath: string;
}

/** Where a message came from; the policy engine decides trust from it. */
export type MessageRole = 'system' | 'user' | 'assistant' | 'tool';

/** One message of the conversation as the policy engine sees it; `index` is its position. */
export interface MessageView {
  index: number;
  role: MessageRole;
  text: string;
  toolCalls: ToolCallView[];
  /** Tool results this message carries (an Anthropic user turn may carry several). */
  toolResults: ToolResultView[];
}

export interface ToolCallView {
  /**
   * The call's own id when it has a non-empty string one. A call without one (no id, a null or
   * numeric id, a duplicate) gets a positional id starting with `#` (e.g. `#0.1`: choice 0, call 1)
   * that the same adapter's refusal encoders recognise, so a refused call is removed whatever it lacks.
   */
  id: string;
  /** The tool's name; for a client-executed item without one, its type (`local_shell`, `computer`). */
  name: string;
  /** The JSON text of the arguments, as the model produced it (for an item, the item's action). */
  arguments: string;
  /**
   * A call item of a type this proxy does not know (a new API feature): it may carry an action,
   * so it is refused by default (`policies.unknownToolCalls`).
   */
  unknownShape?: boolean;
}

export interface ToolResultView {
  /** The id of the call this answers (Gemini answers by name: then the name). */
  toolCallId: string;
  /** The tool's name when the format says it. */
  name?: string;
  text: string;
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
  /**
   * Provider-hosted tools the request enables that read outside content (web search, URL fetch,
   * file search, code execution, remote MCP): their answer may carry untrusted content.
   */
  hostedTools?: string[];
  /**
   * Untrusted content that is not a tool result of a declared tool: retrieved documents, search
   * results, hosted tools' outputs, chained responses. Taints the context like an untrusted result.
   */
  untrusted?: UntrustedContentView[];
  /**
   * The id of a stored answer this request continues (`previous_response_id`): the request is
   * judged in that answer's context too (untrusted when the proxy has no record of it).
   */
  continues?: string;
}

/** Content that entered the context from outside (never the user's own words). */
export interface UntrustedContentView {
  /** What it is: `web_search_call`, `document`, `previous_response_id`, ... */
  source: string;
  /** The message it is in (or the position it would have). */
  messageIndex: number;
  text: string;
}

/** The provider-neutral view of an answer, from a JSON body or assembled from a stream. */
export interface ResponseView {
  /** The answer's own id, where the format gives one that can be read back later (Responses API). */
  id?: string;
  model: string | null;
  text: string;
  toolCalls: ToolCallView[];
  usage: Usage;
  finishReason: string | null;
  /**
   * Provider-hosted tool calls in the answer that read outside content (`web_search`,
   * `web_fetch`, `code_interpreter`, `mcp`): the answer's own tool calls and links are judged as
   * in a tainted context, and the hosted calls are recorded.
   */
  hostedCalls?: string[];
}

/**
 * A one-shot question to a model, asked by the proxy itself (the dual-LLM quarantine): a system
 * prompt, one user message, and optionally the JSON schema the answer must follow.
 */
export interface TextRequest {
  model: string;
  system: string;
  user: string;
  /** Where the API can constrain its output to a JSON schema, it is asked to. */
  answerSchema?: Record<string, unknown>;
}

/** A text request in a provider's wire format: the path (relative to its base URL), operation and body. */
export interface TextCall {
  nativePath: string;
  operation: string;
  body: Record<string, unknown>;
}

/** The result of decoding a request body: either a view, or the reason the body is unacceptable. */
export type DecodeResult =
  | { success: true; view: RequestView; json: Record<string, unknown> }
  | { success: false; message: string; param?: string };

/** A streamed event the proxy holds back while a tool call awaits its policy decision. */
export interface HeldEvent extends StreamEvent {
  /** The event as it would have gone to the client. */
  encoded: string;
}

/** What one streamed event means to the proxy. */
export interface StreamEventInfo {
  /** The event carries part of a tool call: from here on the stream is held until the calls are decided. */
  toolCall?: boolean;
  /** The event is a usage report the proxy asked for itself: keep it from the client. */
  dropFromClient?: boolean;
  /** The event ends the stream successfully (`[DONE]`, `message_stop`, `done: true`, ...). */
  terminal?: boolean;
  /** The event carries an error the upstream reported. */
  error?: string;
  /**
   * The event carries a piece of a tool call the proxy cannot judge (one the client's SDK would
   * place where the reader cannot tell): the stream ends here with an error event, this event unsent.
   */
  unreadable?: string;
}

/** A streamed event: SSE events have a `data` and maybe an `event` name; NDJSON lines only `data`. */
export interface StreamEvent {
  event?: string | undefined;
  data: string;
}

/**
 * Reads one stream's events in order and assembles the answer (text, tool calls with their
 * argument pieces joined, usage). One per response: it keeps state between events.
 */
export interface StreamReader {
  read(event: StreamEvent): StreamEventInfo;
  /** The answer so far; complete once the stream ended. */
  view(): ResponseView;
  /** Whether the stream's end of body is itself its successful end (Gemini has no terminator). */
  readonly endsAtEof: boolean;
}

/**
 * How a 2xx answer is read: `json` whole, `sse` or `ndjson` event by event, `opaque` for operations
 * whose answers carry no model output (model lists, embeddings, token counts), passed on as they are.
 */
export type AnswerFormat = 'json' | 'sse' | 'ndjson' | 'opaque';

/** What the core knows of a request once decoded; handed back to the adapter for the response. */
export interface ExchangeInfo {
  operation: string;
  /** The proxy asked the upstream for usage on the client's behalf: hide that event. */
  injectedUsage: boolean;
  /** Most UTF-8 bytes of the answer's text the reader keeps (`audit.maxBodyBytes`). @default 262144 */
  maxTextBytes?: number;
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
  /** The client's credential for this provider, if it sent one (headers, or a query parameter). */
  readCredential(headers: Headers, query: URLSearchParams): string | undefined;
  /** Header name and value that carry `key` upstream. */
  credentialHeader(key: string): [name: string, value: string];
  /** Request headers that carry a credential; never forwarded as the client sent them. */
  readonly credentialHeaders: readonly string[];
  /** Query parameters that carry a credential; removed before forwarding (the key moves to a header). */
  readonly credentialQueryParams: readonly string[];
  /** A response in the provider's own error shape, so its SDK raises its own error class. */
  errorResponse(status: number, message: string, type: string, headers?: Record<string, string>): Response;
  /** An error event in the provider's own stream dialect, for a stream that breaks after it began. */
  streamErrorEvent(message: string, format: 'sse' | 'ndjson'): string;
  /** Decodes a request body; `match` carries the path parameters, `query` the query string. */
  decodeRequest(match: RouteMatch, json: unknown, query: URLSearchParams): DecodeResult;
  /**
   * Changes a streaming request so the upstream reports usage; returns true if it changed the
   * body (the extra usage event is then kept from the client).
   */
  requestStreamUsage(operation: string, json: Record<string, unknown>): boolean;
  /** The answer in a complete JSON response. */
  readResponse(operation: string, json: unknown): ResponseView;
  /**
   * Encodes a non-streaming text request the proxy makes on its own (the dual-LLM quarantine);
   * its answer is read with `readResponse`. Without it, results marked `sanitize` are withheld.
   */
  encodeTextRequest?(request: TextRequest): TextCall;
  /**
   * How a 2xx answer to this request is read, decided by the operation and the request (`stream`,
   * query parameters such as Gemini's `alt=sse`), never by the upstream's content type or exact
   * status: what the official SDK will parse is what the proxy judges.
   */
  answerFormat(operation: string, stream: boolean, query: URLSearchParams): AnswerFormat;
  /** A reader for one streamed response. */
  streamReader(exchange: ExchangeInfo): StreamReader;
  /**
   * Whether the stream reader sets `toolCall` on the events that carry tool calls. Without it, a
   * stream whose request declares tools is held whole until its calls are decided (fail closed).
   */
  readonly flagsToolCallEvents?: boolean;
  /**
   * Removes refused tool calls from a JSON answer and says why in the assistant's text. Without
   * it, an answer with a refused call is replaced whole by a 403 in the provider's error shape.
   */
  refuseToolCalls?(operation: string, json: unknown, blocked: readonly BlockedCall[]): unknown | undefined;
  /**
   * Replaces tool results in a request body (in place), by tool call id: with a note that policy
   * removed them, or with the dual-LLM quarantine's stand-in; false when it cannot (the request
   * is then refused).
   */
  replaceToolResults?(operation: string, json: Record<string, unknown>, replacements: ReadonlyMap<string, ToolResultReplacement>): boolean;
  /**
   * Passes the text of each tool result in a request body to `rewrite`, in place: a string it
   * returns replaces that text (tool-result compression, `compression.toolResults`). Only results
   * the wire carries as text are visited. Without it, tool results are never rewritten.
   */
  rewriteToolResultTexts?(operation: string, json: Record<string, unknown>, rewrite: (text: string) => string | null): void;
  /**
   * Quarantine: forbids tool calls in a request body, in place (removes the tools, or sets the
   * format's "no tool" choice where the history needs them declared); true when it changed it. Without it (or when it returns false)
   * the request keeps its tools, and the answer's tool calls are still refused by the guard.
   */
  stripTools?(operation: string, json: Record<string, unknown>): boolean;
  /**
   * The same for a stream: re-encodes the held events without the refused calls; undefined when
   * it cannot for this operation (the stream then ends with an error event instead).
   */
  refuseToolCallsInStream?(operation: string, held: readonly HeldEvent[], blocked: readonly BlockedCall[]): string | undefined;
  /**
   * Passes one streamed event's text deltas (assistant text, tool-call argument pieces) through
   * `redact(channel, delta)` (channel e.g. `text:0` or `tool:0:1`) and returns the re-encoded
   * event, or '' to drop an event whose text is all held back for now. Events without text come
   * back unchanged (the very same string, which is cheap to test). When a channel ends inside the
   * stream (a choice's `finish_reason`, a content block's stop), the adapter calls
   * `end(channel)` and sends the tails it returns (the held-back text of that channel and of the
   * channels named `<channel>:...`) before the event that ends them. Without data-leak redaction
   * for this adapter, streamed answers are not redacted (a documented gap).
   */
  redactStreamEvent?(operation: string, event: HeldEvent, redact: StreamRedact, end: StreamChannelEnd): string;
  /**
   * Events carrying each channel's held-back tail at the end of the stream (inserted just before
   * the terminal event, or at the end of a stream that ends at EOF), shaped like `like` (the last
   * event before the terminal one).
   */
  encodeStreamTails?(operation: string, tails: ReadonlyMap<string, string>, like: HeldEvent): string;
}

/** Redacts one text delta of one channel of a streamed answer; returns what is safe to send now. */
export type StreamRedact = (channel: string, delta: string) => string;

/**
 * Ends the channel `channel` and every channel named `<channel>:...`: returns their held-back
 * tails (redacted, non-empty ones only, in the order the channels began).
 */
export type StreamChannelEnd = (channel: string) => ReadonlyMap<string, string>;
