import { describe, expect, it } from 'vitest';
import { awsAccessKey, openaiKey, seeded } from '../../policy/data-leak/__fixtures__/values.js';
import { createRedactionChannels } from '../../policy/data-leak/index.js';
import type { HeldEvent } from '../types.js';
import { ollamaAdapter } from './index.js';

const random = seeded(3);
const KEY = openaiKey(random);
const AWS = awsAccessKey(random);

/** Channels as the pipeline keeps them: one stream redactor each. */
const channels = () => createRedactionChannels();

const base = { model: 'llama3.2', created_at: '2025-10-14T09:12:03Z' };
function line(value: object): HeldEvent {
  const data = JSON.stringify({ ...base, ...value });
  return { data, encoded: `${data}\n` };
}
const lines = (encoded: string) => encoded.split('\n').filter(Boolean).map((l) => JSON.parse(l));
const redactEvent = ollamaAdapter.redactStreamEvent!.bind(ollamaAdapter);

describe('ollama redactStreamEvent (native NDJSON)', () => {
  it('/api/chat: a split key is redacted whole; held-back lines are dropped; the tail goes in a line before the done line', () => {
    const { redact, end, open } = channels();
    const out = ['key: ', KEY.slice(0, 40), KEY.slice(40)].map((content) => redactEvent('chat', line({ message: { role: 'assistant', content }, done: false }), redact, end));
    expect(out.slice(1)).toEqual(['', '']);
    const done = lines(redactEvent('chat', line({ message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop' }), redact, end));
    expect(done).toEqual([
      { ...base, message: { role: 'assistant', content: '[REDACTED:openai_key]' }, done: false },
      { ...base, message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop' },
    ]);
    expect(lines(out.join('')).map((l) => l.message.content).join('')).toBe('key: ');
    expect(open()).toEqual([]);
  });

  it('/api/generate: the response text; tool arguments (whole objects) on /api/chat', () => {
    const { redact, end } = channels();
    const first = redactEvent('generate', line({ response: `k ${KEY} ok`, done: false }), redact, end);
    const done = redactEvent('generate', line({ response: '', done: true, context: [1] }), redact, end);
    expect(lines(first + done).map((l) => l.response).join('')).toBe('k [REDACTED:openai_key] ok');
    const call = line({ message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'store', arguments: { value: AWS } } }] }, done: false });
    expect(lines(redactEvent('chat', call, redact, end))[0].message.tool_calls[0].function.arguments).toEqual({ value: '[REDACTED:aws_access_key]' });
  });

  it('lines without findings come back as the very same string', () => {
    const { redact, end } = channels();
    const e = line({ message: { role: 'assistant', content: 'Hello there, ' }, done: false });
    expect(redactEvent('chat', e, redact, end)).toBe(e.encoded);
  });

  it('/v1/chat/completions is OpenAI SSE, redacted as OpenAI does', () => {
    const { redact, end } = channels();
    const data = JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: `k ${KEY} ok` }, finish_reason: 'stop' }] });
    const out = redactEvent('chat_completions', { data, encoded: `data: ${data}\n\n` }, redact, end);
    expect(JSON.parse(out.replace(/^data: /, '')).choices[0].delta.content).toBe('k [REDACTED:openai_key] ok');
  });
});
