/**
 * Ollama wire-format builders for the scripted upstream (see ./ollama.ts): native `/api/chat` and
 * `/api/generate` answers (one JSON object, or NDJSON lines ending with a `done: true` line that
 * carries the counts), `/api/tags`, `/api/show`, `/api/embed`, and the OpenAI-compatible `/v1/`
 * answers (OpenAI's format with Ollama's `fp_ollama` fingerprint).
 */
import { chunkPayloads, completionBody, type ChatReply, hex, splitWords } from './openai-wire.js';

export interface OllamaToolCallReply {
  name: string;
  arguments: Record<string, unknown>;
  /** Newer Ollama servers give each call an id (`call_...`); older ones none. */
  id?: string;
}

export interface OllamaUsage {
  prompt_eval_count: number;
  eval_count: number;
}

export type OllamaReply =
  | {
      kind: 'answer';
      /** The text: `message.content` on /api/chat, `response` on /api/generate. */
      content?: string;
      /** Reasoning of a thinking model (`message.thinking`), streamed before the content. */
      thinking?: string;
      toolCalls?: OllamaToolCallReply[];
      usage?: OllamaUsage;
      /** Defaults to the request's `model`. */
      model?: string;
      /** @default 'stop' */
      doneReason?: string;
      /** Streams only: after the text, send `{"error": streamError}` instead of the done line. */
      streamError?: string;
    }
  | { kind: 'error'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'raw'; status: number; headers: Record<string, string>; body: string | Buffer };

export const DEFAULT_OLLAMA_USAGE: OllamaUsage = { prompt_eval_count: 26, eval_count: 9 };

export const DEFAULT_OLLAMA_REPLY: OllamaReply = { kind: 'answer', content: 'Hello from the scripted Ollama.', usage: DEFAULT_OLLAMA_USAGE };

export const OLLAMA_MODELS = ['llama3.2:latest', 'qwen3:8b', 'all-minilm:latest'];

export type AnswerReply = Extract<OllamaReply, { kind: 'answer' }>;

/** JSON as Go's encoder writes it: `<`, `>` and `&` escaped, everything else UTF-8. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** Ollama's error body, e.g. `{"error":"model \"x\" not found, try pulling it first"}`. */
export function ollamaError(message: string) {
  return { error: message };
}

const createdAt = () => new Date().toISOString().replace('Z', `${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}Z`);

function metrics(usage: OllamaUsage) {
  return {
    total_duration: 1_204_872_541,
    load_duration: 21_334_708,
    prompt_eval_count: usage.prompt_eval_count,
    prompt_eval_duration: 88_412_000,
    eval_count: usage.eval_count,
    eval_duration: 1_082_114_000,
  };
}

function wireCalls(reply: AnswerReply) {
  return reply.toolCalls?.map((call, index) => ({ ...(call.id ? { id: call.id } : {}), function: { ...(call.id ? { index } : {}), name: call.name, arguments: call.arguments } }));
}

/** A whole `/api/chat` (`operation` chat) or `/api/generate` answer. */
export function answerBody(operation: 'chat' | 'generate', reply: AnswerReply, model: string) {
  const done = { done_reason: reply.doneReason ?? 'stop', done: true, ...metrics(reply.usage ?? DEFAULT_OLLAMA_USAGE) };
  if (operation === 'generate') {
    return { model, created_at: createdAt(), response: reply.content ?? '', ...(reply.thinking ? { thinking: reply.thinking } : {}), done: true, done_reason: done.done_reason, context: [128006, 9125, 128007, 271], ...metrics(reply.usage ?? DEFAULT_OLLAMA_USAGE) };
  }
  const calls = wireCalls(reply);
  const message = { role: 'assistant', content: reply.content ?? '', ...(reply.thinking ? { thinking: reply.thinking } : {}), ...(calls?.length ? { tool_calls: calls } : {}) };
  return { model, created_at: createdAt(), message, ...done };
}

/** The NDJSON lines (each with its `\n`) of a streamed `/api/chat` or `/api/generate` answer. */
export function answerLines(operation: 'chat' | 'generate', reply: AnswerReply, model: string): string[] {
  const line = (value: object) => `${goJson(value)}\n`;
  const part = (fields: { content?: string; thinking?: string; tool_calls?: unknown }) =>
    operation === 'generate'
      ? line({ model, created_at: createdAt(), response: fields.content ?? '', ...(fields.thinking ? { thinking: fields.thinking } : {}), done: false })
      : line({ model, created_at: createdAt(), message: { role: 'assistant', content: fields.content ?? '', ...fields }, done: false });
  const lines = [
    ...splitWords(reply.thinking ?? '').map((thinking) => part({ thinking })),
    ...splitWords(reply.content ?? '').map((content) => part({ content })),
  ];
  const calls = wireCalls(reply);
  if (calls?.length && operation === 'chat') lines.push(part({ tool_calls: calls }));
  if (reply.streamError !== undefined) return [...lines, line(ollamaError(reply.streamError))];
  const usage = metrics(reply.usage ?? DEFAULT_OLLAMA_USAGE);
  const doneReason = reply.doneReason ?? 'stop';
  lines.push(
    operation === 'generate'
      ? line({ model, created_at: createdAt(), response: '', done: true, done_reason: doneReason, context: [128006, 9125, 128007, 271], ...usage })
      : line({ model, created_at: createdAt(), message: { role: 'assistant', content: '' }, done_reason: doneReason, done: true, ...usage }),
  );
  return lines;
}

/** The same answer in OpenAI's shape, as Ollama's `/v1/chat/completions` gives it. */
function asOpenAI(reply: AnswerReply): ChatReply {
  const usage = reply.usage ?? DEFAULT_OLLAMA_USAGE;
  const chat: ChatReply = { kind: 'chat', usage: { prompt_tokens: usage.prompt_eval_count, completion_tokens: usage.eval_count } };
  if (reply.content !== undefined) chat.content = reply.content;
  if (reply.toolCalls) chat.toolCalls = reply.toolCalls.map((call) => ({ id: call.id ?? `call_${hex(4)}`, name: call.name, arguments: JSON.stringify(call.arguments) }));
  return chat;
}

const ollamaFingerprint = <T extends object>(value: T) => ({ ...value, system_fingerprint: 'fp_ollama', service_tier: undefined });

export function compatCompletion(reply: AnswerReply, model: string) {
  return ollamaFingerprint(completionBody(asOpenAI(reply), model));
}

/** The SSE events of a streamed `/v1/chat/completions` answer, ending with `data: [DONE]`. */
export function compatEvents(reply: AnswerReply, model: string, includeUsage: boolean): string[] {
  return chunkPayloads(asOpenAI(reply), model, includeUsage).map((data) => {
    if (data === '[DONE]') return 'data: [DONE]\n\n';
    return `data: ${JSON.stringify(ollamaFingerprint(JSON.parse(data) as object))}\n\n`;
  });
}

/** `/api/tags`. */
export function tagsBody() {
  return {
    models: OLLAMA_MODELS.map((name, index) => ({
      name,
      model: name,
      modified_at: '2025-10-01T08:00:00.000000000Z',
      size: 2_019_393_189 - index * 1_000_000,
      digest: `a80c4f17acd5${String(index).padStart(52, '0')}`,
      details: { parent_model: '', format: 'gguf', family: name.split(/[.:\d]/)[0], families: [name.split(/[.:\d]/)[0]], parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
    })),
  };
}

/** `/api/show` for a known model. */
export function showBody(model: string) {
  return {
    license: 'LLAMA 3.2 COMMUNITY LICENSE AGREEMENT',
    modelfile: `# Modelfile generated by "ollama show"\nFROM ${model}\n`,
    parameters: 'stop                           "<|eot_id|>"',
    template: '{{ .Prompt }}',
    details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
    model_info: { 'general.architecture': 'llama', 'llama.context_length': 131072 },
    capabilities: ['completion', 'tools'],
    modified_at: '2025-10-01T08:00:00.000000000Z',
  };
}

/** `/api/embed`: one small vector per input; `prompt_eval_count` is the number of words. */
export function embedBody(model: string, input: unknown) {
  const texts = typeof input === 'string' ? [input] : Array.isArray(input) ? input.map(String) : [];
  const words = texts.reduce((sum, text) => sum + splitWords(text).length, 0);
  return {
    model,
    embeddings: texts.map((text) => [text.length / 100, -0.0017594862, 0.05007221, 0.04692972]),
    total_duration: 14_143_917,
    load_duration: 1_019_500,
    prompt_eval_count: words,
  };
}
