/**
 * OpenAI wire-format builders for the scripted upstream (see ./openai.ts):
 * `chat.completion` bodies, `chat.completion.chunk` SSE payloads, error bodies.
 */
import { randomBytes } from 'node:crypto';
import type { EmbeddingsReply, ResponsesReply } from './openai-responses-wire.js';

export interface ToolCallReply { id: string; name: string; arguments: string }

/** Chat usage; `cached_tokens` (of the prompt) and `reasoning_tokens` (of the completion) default to 0. */
export interface ChatUsage { prompt_tokens: number; completion_tokens: number; cached_tokens?: number; reasoning_tokens?: number }

export type OpenAIReply =
  | {
      kind: 'chat';
      content?: string;
      toolCalls?: ToolCallReply[];
      usage?: ChatUsage;
      /** Defaults to the request's `model`. */
      model?: string;
      /** Defaults to 'tool_calls' when toolCalls are given, else 'stop'. */
      finishReason?: string;
    }
  | { kind: 'error'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'raw'; status: number; headers: Record<string, string>; body: string }
  // Replies for /v1/responses and /v1/embeddings (see ./openai-responses-wire.ts); those endpoints
  // also render a 'chat' reply in their own format.
  | ResponsesReply
  | EmbeddingsReply;

/** Usage reported when a chat reply gives none. */
export const DEFAULT_USAGE = { prompt_tokens: 12, completion_tokens: 7 };

export const DEFAULT_CHAT_REPLY: OpenAIReply = {
  kind: 'chat',
  content: 'Hello from the scripted upstream.',
  usage: DEFAULT_USAGE,
};

export const MODELS = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1', 'o3-mini'];

export const hex = (n: number) => randomBytes(n).toString('hex');

export function openAIError(message: string, type = 'invalid_request_error', code: string | null = null) {
  return { error: { message, type, param: null, code } };
}

export function fullUsage(u: ChatUsage) {
  return {
    prompt_tokens: u.prompt_tokens,
    completion_tokens: u.completion_tokens,
    total_tokens: u.prompt_tokens + u.completion_tokens,
    prompt_tokens_details: { cached_tokens: u.cached_tokens ?? 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: u.reasoning_tokens ?? 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

/** Split into word-ish deltas, keeping whitespace attached: "a b c" -> ["a ", "b ", "c"]. */
export function splitWords(s: string): string[] {
  return s.split(/(?<=\s)/u).filter((p) => p !== '');
}

/** Split into `n` pieces by code point (never mid-character); pieces may be empty. */
export function splitN(s: string, n: number): string[] {
  const cps = Array.from(s);
  const size = Math.ceil(cps.length / n);
  return Array.from({ length: n }, (_, i) => cps.slice(i * size, (i + 1) * size).join(''));
}

export type ChatReply = Extract<OpenAIReply, { kind: 'chat' }>;

export function completionBody(r: ChatReply, model: string) {
  const tool_calls = r.toolCalls?.map((t) => ({ id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } }));
  return {
    id: `chatcmpl-${hex(12)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{
      index: 0,
      message: { role: 'assistant', content: r.content ?? null, refusal: null, ...(tool_calls?.length ? { tool_calls } : {}), annotations: [] },
      logprobs: null,
      finish_reason: r.finishReason ?? (r.toolCalls?.length ? 'tool_calls' : 'stop'),
    }],
    usage: fullUsage(r.usage ?? DEFAULT_USAGE),
    service_tier: 'default',
    system_fingerprint: 'fp_scripted',
  };
}

/** The `data:` payloads (already JSON-encoded) of a streamed chat reply, ending with `[DONE]`. */
export function chunkPayloads(r: ChatReply, model: string, includeUsage: boolean): string[] {
  const base = { id: `chatcmpl-${hex(12)}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model, service_tier: 'default', system_fingerprint: 'fp_scripted' };
  const chunk = (delta: object, finish_reason: string | null = null) =>
    JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason }], ...(includeUsage ? { usage: null } : {}) });
  const out = [chunk({ role: 'assistant', content: '', refusal: null })];
  for (const piece of splitWords(r.content ?? '')) out.push(chunk({ content: piece }));
  (r.toolCalls ?? []).forEach((t, index) => {
    out.push(chunk({ tool_calls: [{ index, id: t.id, type: 'function', function: { name: t.name, arguments: '' } }] }));
    for (const a of splitN(t.arguments, 3)) out.push(chunk({ tool_calls: [{ index, function: { arguments: a } }] }));
  });
  out.push(chunk({}, r.finishReason ?? (r.toolCalls?.length ? 'tool_calls' : 'stop')));
  if (includeUsage) {
    out.push(JSON.stringify({ ...base, choices: [], usage: fullUsage(r.usage ?? DEFAULT_USAGE) }));
  }
  out.push('[DONE]');
  return out;
}
