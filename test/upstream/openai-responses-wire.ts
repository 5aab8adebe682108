/**
 * OpenAI wire-format builders for the scripted upstream's newer endpoints (see ./openai-responses.ts):
 * Responses API objects and their typed SSE events, Embeddings bodies (float or base64), and legacy
 * Completions bodies and chunks.
 */
import { type ChatReply, DEFAULT_USAGE, fullUsage, hex, splitN, splitWords, type ToolCallReply } from './openai-wire.js';

/** A Responses API reply; a 'chat' reply sent to /v1/responses is rendered the same way. */
export interface ResponsesReply {
  kind: 'responses';
  content?: string;
  toolCalls?: ToolCallReply[];
  /** `cached_tokens` (of the input) and `reasoning_tokens` (of the output) default to 0. */
  usage?: { input_tokens: number; output_tokens: number; cached_tokens?: number; reasoning_tokens?: number };
  /** Defaults to the request's `model`. */
  model?: string;
  /**
   * How the response ends. 'completed' (default); 'incomplete' (max_output_tokens); 'failed'
   * (`response.failed`, or status failed in JSON); 'error' (an `error` event instead of the
   * terminal one; a 500 in JSON); 'cut' (the stream just stops before its terminal event).
   */
  end?: 'completed' | 'incomplete' | 'failed' | 'error' | 'cut';
}

export interface EmbeddingsReply {
  kind: 'embeddings';
  /** Defaults to one token per word of the input. */
  promptTokens?: number;
  /** Defaults to the request's `model`. */
  model?: string;
}

export type ResponsesLike = ResponsesReply | ChatReply;

export interface SseEvent { event: string; data: Record<string, unknown> }

const id = (prefix: string) => `${prefix}_${hex(24)}`;

function responsesUsage(reply: ResponsesLike) {
  const chat = reply.kind === 'responses' ? undefined : reply.usage ?? DEFAULT_USAGE;
  const { input_tokens, output_tokens, cached_tokens = 0, reasoning_tokens = 0 } = reply.kind === 'responses' ? reply.usage ?? { input_tokens: 12, output_tokens: 7 } : { ...chat, input_tokens: chat!.prompt_tokens, output_tokens: chat!.completion_tokens };
  return { input_tokens, input_tokens_details: { cached_tokens }, output_tokens, output_tokens_details: { reasoning_tokens }, total_tokens: input_tokens + output_tokens };
}

/** A `response` object in a given state; `request` is the create body (some fields are echoed). */
export function responseObject(responseId: string, model: string, request: any, state: { status: string; output: unknown[]; usage: unknown; error?: unknown; incomplete?: string }) {
  return {
    id: responseId,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: state.status,
    background: request.background === true,
    error: state.error ?? null,
    incomplete_details: state.incomplete ? { reason: state.incomplete } : null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    max_tool_calls: null,
    model,
    output: state.output,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: request.previous_response_id ?? null,
    prompt_cache_key: null,
    reasoning: { effort: null, summary: null },
    safety_identifier: null,
    service_tier: 'default',
    store: request.store ?? true,
    temperature: request.temperature ?? 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: request.tool_choice ?? 'auto',
    tools: (request.tools ?? []).map((tool: any) => (tool.type === 'function' ? { strict: true, description: null, ...tool } : tool)),
    top_logprobs: 0,
    top_p: request.top_p ?? 1,
    truncation: 'disabled',
    usage: state.usage,
    user: null,
    metadata: request.metadata ?? {},
  };
}

/** The finished output items of a reply: a message with its text (if any), then each function call. */
function outputItems(reply: ResponsesLike) {
  const message = reply.content
    ? [{ id: id('msg'), type: 'message', status: 'completed', content: [{ type: 'output_text', annotations: [], logprobs: [], text: reply.content }], role: 'assistant' }]
    : [];
  const calls = (reply.toolCalls ?? []).map((call) => ({ id: id('fc'), type: 'function_call', status: 'completed', arguments: call.arguments, call_id: call.id, name: call.name }));
  return [...message, ...calls];
}

/** The final `response` object of a reply (what JSON mode returns, and `response.completed` carries). */
export function finalResponse(reply: ResponsesLike, responseId: string, model: string, request: any) {
  const end = reply.kind === 'responses' ? reply.end ?? 'completed' : 'completed';
  const output = outputItems(reply);
  if (end === 'failed') return responseObject(responseId, model, request, { status: 'failed', output: [], usage: null, error: { code: 'server_error', message: 'The model failed to generate a response.' } });
  if (end === 'incomplete') return responseObject(responseId, model, request, { status: 'incomplete', output, usage: responsesUsage(reply), incomplete: 'max_output_tokens' });
  return responseObject(responseId, model, request, { status: 'completed', output, usage: responsesUsage(reply) });
}

/** The typed SSE events of a streamed reply, `sequence_number` 0, 1, 2, ...; no `[DONE]`. */
export function responsesEvents(reply: ResponsesLike, responseId: string, model: string, request: any): SseEvent[] {
  const end = reply.kind === 'responses' ? reply.end ?? 'completed' : 'completed';
  const events: SseEvent[] = [];
  const emit = (type: string, fields: Record<string, unknown>) => events.push({ event: type, data: { type, sequence_number: events.length, ...fields } });
  const obfuscation = () => hex(4).slice(0, 2 + Math.floor(Math.random() * 6));
  const start = responseObject(responseId, model, request, { status: 'in_progress', output: [], usage: null });
  emit('response.created', { response: start });
  emit('response.in_progress', { response: start });
  for (const [output_index, item] of outputItems(reply).entries()) {
    if (item.type === 'message') {
      const text = (item as any).content[0].text as string;
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } });
      const part = { type: 'output_text', annotations: [], logprobs: [], text: '' };
      emit('response.content_part.added', { item_id: item.id, output_index, content_index: 0, part });
      for (const delta of splitWords(text)) emit('response.output_text.delta', { item_id: item.id, output_index, content_index: 0, delta, logprobs: [], obfuscation: obfuscation() });
      emit('response.output_text.done', { item_id: item.id, output_index, content_index: 0, text, logprobs: [] });
      emit('response.content_part.done', { item_id: item.id, output_index, content_index: 0, part: { ...part, text } });
    } else {
      const args = (item as any).arguments as string;
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', arguments: '' } });
      for (const delta of splitN(args, 3)) emit('response.function_call_arguments.delta', { item_id: item.id, output_index, delta, obfuscation: obfuscation() });
      emit('response.function_call_arguments.done', { item_id: item.id, output_index, name: (item as any).name, arguments: args });
    }
    emit('response.output_item.done', { output_index, item });
  }
  const final = { ...finalResponse(reply, responseId, model, request), created_at: start.created_at };
  if (end === 'completed') emit('response.completed', { response: final });
  if (end === 'incomplete') emit('response.incomplete', { response: final });
  if (end === 'failed') emit('response.failed', { response: final });
  // 'cut': no terminal event at all.
  if (end === 'error') emit('error', { error: { type: 'server_error', code: 'server_error', message: 'The server had an error while processing your request.', param: null } });
  return events;
}

export function encodeEvents(events: readonly SseEvent[]): string[] {
  return events.map(({ event, data }) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** The input items a response was made from, as `GET /responses/{id}/input_items` lists them. */
export function inputItems(request: any): Record<string, unknown>[] {
  const input = typeof request.input === 'string' ? [{ role: 'user', content: request.input }] : Array.isArray(request.input) ? request.input : [];
  return input.map((item: any) => {
    if ((item.type ?? 'message') !== 'message') return { id: id(item.type === 'function_call' ? 'fc' : 'fco'), status: 'completed', ...item };
    const content = typeof item.content === 'string' ? [{ type: item.role === 'assistant' ? 'output_text' : 'input_text', text: item.content }] : item.content;
    return { id: id('msg'), type: 'message', role: item.role, status: 'completed', content };
  });
}

/** A deterministic vector per text: the same input always embeds the same. */
function vector(text: string, dimensions: number): number[] {
  let seed = 2166136261;
  for (const char of text) seed = Math.imul(seed ^ char.codePointAt(0)!, 16777619);
  return Array.from({ length: dimensions }, (_, index) => Math.fround(Math.sin(seed + index * 7919) / 2));
}

/** An Embeddings response; `encoding_format: 'base64'` (the openai SDK's default) gives little-endian float32. */
export function embeddingsBody(request: any, reply: EmbeddingsReply | null) {
  const inputs: unknown[] = Array.isArray(request.input) ? request.input : [request.input];
  const dimensions = typeof request.dimensions === 'number' ? request.dimensions : 8;
  const data = inputs.map((input, index) => {
    const values = vector(JSON.stringify(input), dimensions);
    const embedding = request.encoding_format === 'base64' ? Buffer.from(new Float32Array(values).buffer).toString('base64') : values;
    return { object: 'embedding', index, embedding };
  });
  const words = inputs.reduce<number>((sum, input) => sum + (typeof input === 'string' ? splitWords(input).length : Array.isArray(input) ? input.length : 1), 0);
  const prompt_tokens = reply?.promptTokens ?? words;
  return { object: 'list', data, model: reply?.model ?? request.model, usage: { prompt_tokens, total_tokens: prompt_tokens } };
}

/** A legacy Completions (`text_completion`) body. */
export function textCompletionBody(reply: ChatReply, model: string) {
  return {
    id: `cmpl-${hex(12)}`,
    object: 'text_completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ text: reply.content ?? '', index: 0, logprobs: null, finish_reason: reply.finishReason ?? 'stop' }],
    usage: fullUsage(reply.usage ?? DEFAULT_USAGE),
  };
}

/** The `data:` payloads of a streamed legacy completion, ending with `[DONE]`. */
export function textCompletionChunks(reply: ChatReply, model: string, includeUsage: boolean): string[] {
  const base = { id: `cmpl-${hex(12)}`, object: 'text_completion', created: Math.floor(Date.now() / 1000), model };
  const chunk = (text: string, finish_reason: string | null) => JSON.stringify({ ...base, choices: [{ text, index: 0, logprobs: null, finish_reason }] });
  const out = splitWords(reply.content ?? '').map((piece) => chunk(piece, null));
  out.push(chunk('', reply.finishReason ?? 'stop'));
  if (includeUsage) out.push(JSON.stringify({ ...base, choices: [], usage: fullUsage(reply.usage ?? DEFAULT_USAGE) }));
  out.push('[DONE]');
  return out;
}
