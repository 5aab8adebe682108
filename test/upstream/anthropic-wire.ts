/**
 * Anthropic wire-format builders for the scripted upstream (see ./anthropic.ts): Messages JSON
 * bodies, the named SSE events of a Messages stream, model pages, error bodies.
 */
import { randomBytes } from 'node:crypto';

export interface AnthropicToolCall { id: string; name: string; input: Record<string, unknown> }

/** Usage; the prompt-cache counts default to 0 (`cache_1h_input_tokens`: of the writes, those kept an hour). */
export interface AnthropicUsage { input_tokens: number; output_tokens: number; cache_read_input_tokens?: number; cache_creation_input_tokens?: number; cache_1h_input_tokens?: number }

export type AnthropicReply =
  | {
      kind: 'message';
      text?: string;
      /** Extended thinking, streamed as `thinking_delta`s before the text. */
      thinking?: string;
      toolCalls?: AnthropicToolCall[];
      /**
       * Content blocks sent as they are, after the text and the tool calls: server or MCP tool
       * use and results, calls without ids, blocks of types the SDK does not know. Streamed as
       * Anthropic streams them: a call's input in `input_json_delta` pieces, a text's in
       * `text_delta`s, any other block whole in its `content_block_start`.
       */
      blocks?: Record<string, unknown>[];
      usage?: AnthropicUsage;
      /** Defaults to the request's `model`. */
      model?: string;
      /** Defaults to 'tool_use' when toolCalls are given, else 'end_turn'. */
      stopReason?: string;
      /** Streamed replies only: after this many events, an `error` event, then the end of the body. */
      streamError?: { afterEvents: number; type: string; message: string };
    }
  | { kind: 'error'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'raw'; status: number; headers: Record<string, string>; body: string };

export type MessageReply = Extract<AnthropicReply, { kind: 'message' }>;

export const DEFAULT_USAGE: AnthropicUsage = { input_tokens: 14, output_tokens: 9 };

export const DEFAULT_MESSAGE_REPLY: AnthropicReply = { kind: 'message', text: 'Hello from the scripted Anthropic upstream.', usage: DEFAULT_USAGE };

export const MODELS = [
  { id: 'claude-sonnet-4-6', display_name: 'Claude Sonnet 4.6', created_at: '2026-02-17T00:00:00Z' },
  { id: 'claude-opus-4-5-20251101', display_name: 'Claude Opus 4.5', created_at: '2025-11-01T00:00:00Z' },
  { id: 'claude-haiku-4-5-20251001', display_name: 'Claude Haiku 4.5', created_at: '2025-10-01T00:00:00Z' },
].map((model) => ({ type: 'model', ...model }));

export const hex = (n: number) => randomBytes(n).toString('hex');

/** Anthropic's error body. */
export function anthropicError(type: string, message: string) {
  return { type: 'error', error: { type, message } };
}

/** A page of `/v1/models`, as the API pages it. */
export function modelsPage() {
  return { data: MODELS, has_more: false, first_id: MODELS[0]!.id, last_id: MODELS.at(-1)!.id };
}

function fullUsage(usage: AnthropicUsage) {
  return {
    input_tokens: usage.input_tokens,
    ...cacheCounts(usage),
    cache_creation: { ephemeral_5m_input_tokens: (usage.cache_creation_input_tokens ?? 0) - (usage.cache_1h_input_tokens ?? 0), ephemeral_1h_input_tokens: usage.cache_1h_input_tokens ?? 0 },
    output_tokens: usage.output_tokens,
    service_tier: 'standard',
  };
}

function cacheCounts(usage: AnthropicUsage) {
  return { cache_creation_input_tokens: usage.cache_creation_input_tokens ?? 0, cache_read_input_tokens: usage.cache_read_input_tokens ?? 0 };
}

function stopReasonOf(reply: MessageReply): string {
  return reply.stopReason ?? (reply.toolCalls?.length || reply.blocks?.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn');
}

/** A Messages JSON body (`type: 'message'`). */
export function messageBody(reply: MessageReply, model: string) {
  const content: object[] = [];
  if (reply.thinking !== undefined) content.push({ type: 'thinking', thinking: reply.thinking, signature: `sig_${hex(16)}` });
  if (reply.text !== undefined) content.push({ type: 'text', text: reply.text });
  for (const call of reply.toolCalls ?? []) content.push({ type: 'tool_use', id: call.id, name: call.name, input: call.input });
  content.push(...(reply.blocks ?? []));
  return {
    model,
    id: `msg_${hex(12)}`,
    type: 'message',
    role: 'assistant',
    content,
    stop_reason: stopReasonOf(reply),
    stop_sequence: null,
    usage: fullUsage(reply.usage ?? DEFAULT_USAGE),
  };
}

/** Split into word-ish deltas, keeping whitespace attached: "a b c" -> ["a ", "b ", "c"]. */
export function splitWords(text: string): string[] {
  return text.split(/(?<=\s)/u).filter((part) => part !== '');
}

/** Split into `n` pieces by code point (never mid-character). */
function splitN(text: string, n: number): string[] {
  const points = Array.from(text);
  const size = Math.ceil(points.length / n);
  return Array.from({ length: n }, (_, i) => points.slice(i * size, (i + 1) * size).join('')).filter((piece) => piece !== '');
}

export function sseEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

/**
 * The SSE events of a streamed reply, in Anthropic's order: `message_start`, per content block
 * `content_block_start` / deltas / `content_block_stop` (a `ping` after the first start),
 * `message_delta` with the output tokens, `message_stop`.
 */
export function streamEvents(reply: MessageReply, model: string): string[] {
  const usage = reply.usage ?? DEFAULT_USAGE;
  const message = messageBody(reply, model);
  const events = [sseEvent('message_start', { type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: fullUsage({ ...usage, output_tokens: 1 }) } })];
  const delta = (index: number, value: object) => sseEvent('content_block_delta', { type: 'content_block_delta', index, delta: value });
  message.content.forEach((block, index) => {
    const b = block as Record<string, any>;
    const streamsInput = b.type === 'tool_use' || b.type === 'server_tool_use';
    const start = streamsInput ? { ...b, input: {} } : b.type === 'thinking' ? { type: 'thinking', thinking: '', signature: '' } : b.type === 'text' ? { type: 'text', text: '' } : b;
    events.push(sseEvent('content_block_start', { type: 'content_block_start', index, content_block: start }));
    if (index === 0) events.push(sseEvent('ping', '{"type": "ping"}'));
    if (b.type === 'text') for (const piece of splitWords(b.text)) events.push(delta(index, { type: 'text_delta', text: piece }));
    if (b.type === 'thinking') {
      for (const piece of splitWords(b.thinking)) events.push(delta(index, { type: 'thinking_delta', thinking: piece }));
      events.push(delta(index, { type: 'signature_delta', signature: b.signature }));
    }
    if (streamsInput) {
      // Anthropic starts a tool call's input with an empty piece.
      for (const piece of ['', ...splitN(JSON.stringify(b.input), 3)]) events.push(delta(index, { type: 'input_json_delta', partial_json: piece }));
    }
    events.push(sseEvent('content_block_stop', { type: 'content_block_stop', index }));
  });
  events.push(sseEvent('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: stopReasonOf(reply), stop_sequence: null },
    usage: { input_tokens: usage.input_tokens, ...cacheCounts(usage), output_tokens: usage.output_tokens },
  }));
  events.push(sseEvent('message_stop', { type: 'message_stop' }));
  if (reply.streamError) {
    const { afterEvents, type, message: text } = reply.streamError;
    return [...events.slice(0, afterEvents), sseEvent('error', JSON.stringify(anthropicError(type, text)))];
  }
  return events;
}

/** A rough, deterministic token count for `/v1/messages/count_tokens`. */
export function countTokens(json: { system?: unknown; messages?: unknown; tools?: unknown }): number {
  return Math.ceil(JSON.stringify([json.system ?? null, json.messages ?? [], json.tools ?? []]).length / 4);
}
