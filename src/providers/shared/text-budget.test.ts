/**
 * Every stream reader keeps at most `maxTextBytes` UTF-8 bytes of the answer's text (the audit
 * row's `audit.maxBodyBytes`), whatever the wire format: at the limit the whole text, one byte
 * over it the text cut before the character that does not fit, and nothing of what comes after.
 */
import { describe, expect, it } from 'vitest';
import { anthropicAdapter } from '../anthropic/index.js';
import { geminiAdapter } from '../gemini/index.js';
import { ollamaAdapter } from '../ollama/index.js';
import { openaiAdapter } from '../openai/index.js';
import type { ProviderAdapter, StreamEvent } from '../types.js';
import { TextBudget } from './text-budget.js';

const MAX = 64;
/** 4 UTF-8 bytes each. */
const SUN = '🌤';

interface Format {
  name: string;
  adapter: ProviderAdapter;
  operation: string;
  /** Events before the text. */
  start: StreamEvent[];
  delta(text: string): StreamEvent;
}

const json = (value: unknown) => JSON.stringify(value);
const named = (type: string, value: Record<string, unknown>): StreamEvent => ({ event: type, data: json({ type, ...value }) });

const FORMATS: Format[] = [
  { name: 'OpenAI Chat Completions', adapter: openaiAdapter, operation: 'chat', start: [], delta: (text) => ({ data: json({ model: 'm', choices: [{ index: 0, delta: { content: text } }] }) }) },
  {
    name: 'OpenAI Responses',
    adapter: openaiAdapter,
    operation: 'responses',
    start: [named('response.output_item.added', { output_index: 0, item: { type: 'message', id: 'msg_1', role: 'assistant', status: 'in_progress', content: [] } }), named('response.content_part.added', { output_index: 0, content_index: 0, part: { type: 'output_text', text: '' } })],
    delta: (text) => named('response.output_text.delta', { output_index: 0, content_index: 0, delta: text }),
  },
  {
    name: 'Anthropic Messages',
    adapter: anthropicAdapter,
    operation: 'messages',
    start: [named('message_start', { message: { id: 'msg_1', model: 'claude', content: [], usage: { input_tokens: 1 } } }), named('content_block_start', { index: 0, content_block: { type: 'text', text: '' } })],
    delta: (text) => named('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }),
  },
  { name: 'Gemini', adapter: geminiAdapter, operation: 'generate_content', start: [], delta: (text) => ({ data: json({ candidates: [{ index: 0, content: { role: 'model', parts: [{ text }] } }] }) }) },
  { name: 'Ollama NDJSON', adapter: ollamaAdapter, operation: 'chat', start: [], delta: (text) => ({ data: json({ model: 'm', message: { role: 'assistant', content: text }, done: false }) }) },
];

function keptText(format: Format, deltas: string[]): string {
  const reader = format.adapter.streamReader({ operation: format.operation, injectedUsage: false, maxTextBytes: MAX });
  for (const event of [...format.start, ...deltas.map(format.delta)]) {
    const info = reader.read(event);
    expect(info.unreadable ?? info.error, format.name).toBeUndefined();
  }
  return reader.view().text;
}

describe.each(FORMATS)('$name stream reader: the text it keeps is bounded', (format) => {
  it('exactly at the limit: all of it', () => {
    const text = SUN.repeat(MAX / 4);
    expect(keptText(format, [SUN.repeat(5), SUN.repeat(5), SUN.repeat(6)])).toBe(text);
  });

  it('one byte over: cut before the character that does not fit; later deltas dropped', () => {
    const kept = keptText(format, ['a', SUN.repeat(8), SUN.repeat(8), 'more', 'x'.repeat(10_000)]);
    expect(kept).toBe('a' + SUN.repeat(15));
    expect(Buffer.byteLength(kept)).toBe(61);
  });
});

describe('TextBudget', () => {
  it('counts UTF-8 bytes (1 to 4 per character), never splits a surrogate pair, and gives back a replaced text', () => {
    const budget = new TextBudget(10);
    expect(budget.take('aü€')).toBe('aü€'); // 1 + 2 + 3
    expect(budget.take('🌤🌤')).toBe('🌤'); // 4 fit, 4 more do not
    expect(budget.take('b')).toBe('');
    budget.release('aü€');
    expect(budget.take('xyz€')).toBe('xyz€');
  });
});
