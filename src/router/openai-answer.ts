/** Building OpenAI Chat Completions answers (a completion, stream chunks) for the router's translations. */

/** OpenAI's usage from the counts the translators read. */
export interface UsageCounts {
  prompt: number;
  completion: number;
  cached?: number;
  /** Prompt-cache writes (Anthropic), reported as OpenRouter does: `prompt_tokens_details.cache_write_tokens`. */
  cacheWrite?: number;
  reasoning?: number;
}

export function openaiUsage(counts: UsageCounts): Record<string, unknown> {
  const usage: Record<string, unknown> = { prompt_tokens: counts.prompt, completion_tokens: counts.completion, total_tokens: counts.prompt + counts.completion };
  if (counts.cached || counts.cacheWrite) usage.prompt_tokens_details = { cached_tokens: counts.cached ?? 0, ...(counts.cacheWrite ? { cache_write_tokens: counts.cacheWrite } : {}) };
  if (counts.reasoning) usage.completion_tokens_details = { reasoning_tokens: counts.reasoning };
  return usage;
}

/** A tool call in an OpenAI answer. */
export function openaiToolCall(id: string, name: string, args: unknown): Record<string, unknown> {
  return { id, type: 'function', function: { name, arguments: JSON.stringify(args ?? {}) } };
}

/** A whole Chat Completions answer with one choice. */
export function openaiCompletion(input: { id: string; model: string; text: string; toolCalls: Record<string, unknown>[]; finishReason: string; usage: UsageCounts | null }): Record<string, unknown> {
  const message: Record<string, unknown> = { role: 'assistant', content: input.text === '' && input.toolCalls.length > 0 ? null : input.text, refusal: null };
  if (input.toolCalls.length > 0) message.tool_calls = input.toolCalls;
  const completion: Record<string, unknown> = {
    id: input.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: input.model,
    choices: [{ index: 0, message, finish_reason: input.finishReason, logprobs: null }],
  };
  if (input.usage) completion.usage = openaiUsage(input.usage);
  return completion;
}

/** Builds a stream's chunks, each already an SSE event, with the stream's id and model. */
export class ChunkWriter {
  private readonly created = Math.floor(Date.now() / 1000);
  constructor(
    public id: string,
    public model: string,
  ) {}

  /** A chunk of the one choice: a delta, and maybe its finish reason. */
  delta(delta: Record<string, unknown>, finishReason: string | null = null): string {
    return this.event({ choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }] });
  }

  /** The usage chunk (`choices: []`), as OpenAI sends it last when asked for usage. */
  usage(counts: UsageCounts): string {
    return this.event({ choices: [], usage: openaiUsage(counts) });
  }

  private event(fields: Record<string, unknown>): string {
    return `data: ${JSON.stringify({ id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, ...fields })}\n\n`;
  }
}

/** The end of an OpenAI stream. */
export const DONE_EVENT = 'data: [DONE]\n\n';

/** An error event in an OpenAI stream (the SDK raises it as an APIError). */
export function errorEvent(message: string, type = 'upstream_error'): string {
  return `data: ${JSON.stringify({ error: { message, type, param: null, code: type } })}\n\n`;
}
