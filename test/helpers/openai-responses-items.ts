/**
 * Responses API answers with arbitrary output items (every call item type of
 * node_modules/openai/resources/responses/responses.d.ts), as a JSON `response` object and as the
 * typed SSE stream the API sends for it: `response.created`, per item `output_item.added` (the item
 * in progress), its text or argument deltas and `.done` events, `output_item.done`, then
 * `response.completed` whose snapshot is the output (or `snapshot`, to make the two disagree).
 * The scripted upstream sends them as raw replies.
 */
import type { OpenAIReply } from '../upstream/openai-wire.js';

export type Item = Record<string, unknown>;

export function responseWith(output: readonly Item[], id = 'resp_items_1', model = 'gpt-4.1'): Item {
  return {
    id, object: 'response', created_at: 1_700_000_000, status: 'completed', error: null, incomplete_details: null,
    instructions: null, model, output, parallel_tool_calls: true, previous_response_id: null, tool_choice: 'auto', tools: [],
    usage: { input_tokens: 10, input_tokens_details: { cached_tokens: 0 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 15 },
    metadata: {}, store: true, temperature: 1, top_p: 1, truncation: 'disabled', text: { format: { type: 'text' } },
  };
}

export interface StreamOptions {
  /** The output `response.completed` carries; the streamed items by default. */
  snapshot?: readonly Item[];
  id?: string;
}

/** The stream's event payloads, `sequence_number` 0, 1, 2, ... */
export function itemEvents(items: readonly Item[], options: StreamOptions = {}): Item[] {
  const id = options.id ?? 'resp_items_1';
  const events: Item[] = [];
  const emit = (type: string, fields: Item) => events.push({ type, sequence_number: events.length, ...fields });
  const start = { ...responseWith([], id), status: 'in_progress', usage: null };
  emit('response.created', { response: start });
  emit('response.in_progress', { response: start });
  for (const [output_index, item] of items.entries()) {
    const itemId = typeof item.id === 'string' ? item.id : undefined;
    if (item.type === 'message') {
      const text = (item.content as { text: string }[]).map((part) => part.text).join('');
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } });
      const part = { type: 'output_text', annotations: [], logprobs: [], text: '' };
      emit('response.content_part.added', { item_id: itemId, output_index, content_index: 0, part });
      emit('response.output_text.delta', { item_id: itemId, output_index, content_index: 0, delta: text, logprobs: [] });
      emit('response.output_text.done', { item_id: itemId, output_index, content_index: 0, text, logprobs: [] });
      emit('response.content_part.done', { item_id: itemId, output_index, content_index: 0, part: { ...part, text } });
    } else if (item.type === 'function_call') {
      const args = String(item.arguments);
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', arguments: '' } });
      for (const delta of pieces(args)) emit('response.function_call_arguments.delta', { item_id: itemId, output_index, delta });
      emit('response.function_call_arguments.done', { item_id: itemId, output_index, name: item.name, arguments: args });
    } else if (item.type === 'custom_tool_call') {
      const input = String(item.input);
      emit('response.output_item.added', { output_index, item: { ...item, input: '' } });
      for (const delta of pieces(input)) emit('response.custom_tool_call_input.delta', { item_id: itemId, output_index, delta });
      emit('response.custom_tool_call_input.done', { item_id: itemId, output_index, input });
    } else {
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress' } });
    }
    emit('response.output_item.done', { output_index, item });
  }
  emit('response.completed', { response: responseWith(options.snapshot ?? items, id) });
  return events;
}

export function encodeItemEvents(events: readonly Item[]): string {
  return events.map((event) => `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`).join('');
}

/** The scripted upstream's raw reply: the answer as JSON, or (for a streaming request) as its SSE stream. */
export function itemsReply(items: readonly Item[], stream: boolean, options: StreamOptions = {}): OpenAIReply {
  if (stream) return { kind: 'raw', status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' }, body: encodeItemEvents(itemEvents(items, options)) };
  return { kind: 'raw', status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(responseWith(options.snapshot ?? items, options.id)) };
}

/** A text in three delta pieces. */
function pieces(text: string): string[] {
  const size = Math.max(1, Math.ceil(text.length / 3));
  const out: string[] = [];
  for (let at = 0; at < text.length; at += size) out.push(text.slice(at, at + size));
  return out;
}
