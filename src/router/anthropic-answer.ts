/**
 * Anthropic Messages answer -> OpenAI Chat Completions answer, whole or event by event. A block or
 * event the router does not know may carry an action: it is refused (TranslateError), not dropped.
 */
import { isRecord } from '../providers/shared/json.js';
import type { StreamEvent } from '../providers/types.js';
import { ChunkWriter, DONE_EVENT, type UsageCounts, errorEvent, openaiCompletion, openaiToolCall } from './openai-answer.js';
import type { StreamTranslator } from './stream-translator.js';
import { TranslateError, demand } from './translate-error.js';

/** Blocks that carry no action and no answer text: the model's reasoning. */
const SILENT_BLOCKS = new Set(['thinking', 'redacted_thinking']);

const FINISH_REASONS: Record<string, string> = { end_turn: 'stop', stop_sequence: 'stop', max_tokens: 'length', tool_use: 'tool_calls', refusal: 'content_filter', pause_turn: 'stop', model_context_window_exceeded: 'length' };

export function fromAnthropicMessage(json: unknown): Record<string, unknown> {
  demand(isRecord(json) && Array.isArray(json.content), 'The anthropic answer has no content list.');
  let text = '';
  const toolCalls: Record<string, unknown>[] = [];
  for (const block of json.content) {
    demand(isRecord(block), 'The anthropic answer holds a content block that is not an object.');
    if (block.type === 'text') {
      demand(typeof block.text === 'string', 'The anthropic answer holds a text block without text.');
      text += block.text;
    } else if (block.type === 'tool_use') {
      demand(typeof block.id === 'string' && typeof block.name === 'string', 'The anthropic answer holds a tool_use block without an id or a name.');
      toolCalls.push(openaiToolCall(block.id, block.name, block.input));
    } else if (!SILENT_BLOCKS.has(String(block.type))) {
      throw new TranslateError(`The anthropic answer holds a "${String(block.type).slice(0, 40)}" block, which the router cannot translate.`);
    }
  }
  return openaiCompletion({
    id: typeof json.id === 'string' ? json.id : 'msg',
    model: typeof json.model === 'string' ? json.model : '',
    text,
    toolCalls,
    finishReason: finishReason(json.stop_reason),
    usage: usageCounts(json.usage),
  });
}

function finishReason(reason: unknown): string {
  return (typeof reason === 'string' && FINISH_REASONS[reason]) || 'stop';
}

/** Anthropic's input tokens leave the cache out; OpenAI's prompt tokens count it in. */
function usageCounts(usage: unknown, before?: UsageCounts): UsageCounts | null {
  if (!isRecord(usage)) return before ?? null;
  const count = (value: unknown, fallback = 0) => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);
  const cached = count(usage.cache_read_input_tokens, before?.cached ?? 0);
  const cacheWrite = count(usage.cache_creation_input_tokens, before?.cacheWrite ?? 0);
  const prompt = usage.input_tokens === undefined && before ? before.prompt : count(usage.input_tokens) + cached + cacheWrite;
  return { prompt, completion: count(usage.output_tokens, before?.completion ?? 0), cached, cacheWrite };
}

/** Translates an Anthropic Messages stream (named SSE events) into Chat Completions chunks. */
export function anthropicStreamTranslator(): StreamTranslator {
  const out = new ChunkWriter('msg', '');
  let usage: UsageCounts | null = null;
  /** Content block index -> the tool call's index among the answer's calls. */
  const calls = new Map<number, number>();
  const silent = new Set<number>();
  let ended = false;

  return {
    event({ data }: StreamEvent): string[] {
      const event = parse(data);
      switch (event.type) {
        case 'ping':
          return [];
        case 'error': {
          ended = true;
          const message = isRecord(event.error) && typeof event.error.message === 'string' ? event.error.message : 'The upstream stream failed.';
          return [errorEvent(message)];
        }
        case 'message_start': {
          const message = isRecord(event.message) ? event.message : {};
          if (typeof message.id === 'string') out.id = message.id;
          if (typeof message.model === 'string') out.model = message.model;
          usage = usageCounts(message.usage);
          return [out.delta({ role: 'assistant', content: '' })];
        }
        case 'content_block_start':
          return blockStart(event);
        case 'content_block_delta':
          return blockDelta(event);
        case 'content_block_stop':
          return [];
        case 'message_delta': {
          usage = usageCounts(event.usage, usage ?? undefined);
          const delta = isRecord(event.delta) ? event.delta : {};
          return delta.stop_reason === undefined || delta.stop_reason === null ? [] : [out.delta({}, finishReason(delta.stop_reason))];
        }
        case 'message_stop':
          ended = true;
          return [...(usage ? [out.usage(usage)] : []), DONE_EVENT];
        default:
          throw new TranslateError(`The anthropic stream sent a "${String(event.type).slice(0, 40)}" event, which the router cannot translate.`);
      }
    },
    end(): string[] {
      if (ended) return [];
      throw new TranslateError('The anthropic stream ended before its message_stop.');
    },
  };

  function blockStart(event: Record<string, unknown>): string[] {
    const index = Number(event.index);
    const block = isRecord(event.content_block) ? event.content_block : {};
    if (block.type === 'text') return typeof block.text === 'string' && block.text !== '' ? [out.delta({ content: block.text })] : [];
    if (SILENT_BLOCKS.has(String(block.type))) {
      silent.add(index);
      return [];
    }
    if (block.type === 'tool_use') {
      demand(typeof block.id === 'string' && typeof block.name === 'string', 'The anthropic stream started a tool_use block without an id or a name.');
      const position = calls.size;
      calls.set(index, position);
      return [out.delta({ tool_calls: [{ index: position, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }] })];
    }
    throw new TranslateError(`The anthropic stream started a "${String(block.type).slice(0, 40)}" block, which the router cannot translate.`);
  }

  function blockDelta(event: Record<string, unknown>): string[] {
    const index = Number(event.index);
    const delta = isRecord(event.delta) ? event.delta : {};
    if (delta.type === 'text_delta' && typeof delta.text === 'string') return [out.delta({ content: delta.text })];
    if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string' && calls.has(index)) {
      return delta.partial_json === '' ? [] : [out.delta({ tool_calls: [{ index: calls.get(index), function: { arguments: delta.partial_json } }] })];
    }
    if (silent.has(index) && (delta.type === 'thinking_delta' || delta.type === 'signature_delta')) return [];
    throw new TranslateError(`The anthropic stream sent a "${String(delta.type).slice(0, 40)}" delta the router cannot place.`);
  }
}

function parse(data: string): Record<string, unknown> {
  let event: unknown;
  try {
    event = JSON.parse(data);
  } catch {
    throw new TranslateError('The anthropic stream sent an event that is not JSON.');
  }
  demand(isRecord(event), 'The anthropic stream sent an event that is not an object.');
  return event;
}
