import { describe, expect, it } from 'vitest';
import { openaiKey, seeded } from '../../policy/data-leak/__fixtures__/values.js';
import { createRedactionChannels } from '../../policy/data-leak/index.js';
import { encodeSseEvent } from '../shared/sse.js';
import type { HeldEvent } from '../types.js';
import { anthropicAdapter } from './index.js';

const KEY = openaiKey(seeded(5));

/** Channels as the pipeline keeps them: one stream redactor each. */
const channels = () => createRedactionChannels();

function event(name: string, payload: unknown): HeldEvent {
  const data = JSON.stringify(payload);
  return { event: name, data, encoded: encodeSseEvent({ event: name, data }) };
}
const textDelta = (index: number, text: string) => event('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
const jsonDelta = (index: number, partial_json: string) => event('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } });
const stop = (index: number) => event('content_block_stop', { type: 'content_block_stop', index });
const datas = (encoded: string) => encoded.split('\n\n').filter(Boolean).map((e) => JSON.parse(e.split('\ndata: ')[1]!));

describe('anthropic redactStreamEvent', () => {
  const redactEvent = anthropicAdapter.redactStreamEvent!.bind(anthropicAdapter);

  it('passes events without text as the very same string', () => {
    const { redact, end } = channels();
    for (const e of [event('message_start', { type: 'message_start', message: {} }), event('ping', { type: 'ping' }), stop(0), textDelta(0, 'Hello there ')]) {
      expect(redactEvent('chat', e, redact, end)).toBe(e.encoded);
    }
  });

  it('holds a key back, drops the fully held deltas, and sends the tail before its block stops', () => {
    const { redact, end, open } = channels();
    expect(redactEvent('chat', textDelta(0, 'key: '), redact, end)).toBe(textDelta(0, 'key: ').encoded);
    expect(redactEvent('chat', textDelta(0, KEY.slice(0, 60)), redact, end)).toBe('');
    expect(redactEvent('chat', textDelta(0, KEY.slice(60)), redact, end)).toBe('');
    const out = redactEvent('chat', stop(0), redact, end);
    expect(datas(out)).toEqual([
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '[REDACTED:openai_key]' } },
      { type: 'content_block_stop', index: 0 },
    ]);
    expect(out.startsWith('event: content_block_delta\n')).toBe(true);
    expect(open()).toEqual([]);
  });

  it('redacts input_json_delta pieces per block, and ends only the block that stops', () => {
    const { redact, end, open } = channels();
    const input = JSON.stringify({ value: KEY });
    const out = [jsonDelta(1, input.slice(0, 30)), textDelta(2, `x ${KEY.slice(0, 10)}`), jsonDelta(1, input.slice(30)), stop(1)].map((e) => redactEvent('chat', e, redact, end));
    const pieces = out.flatMap((encoded) => (encoded ? datas(encoded) : [])).filter((p) => p.index === 1 && p.delta?.type === 'input_json_delta');
    expect(JSON.parse(pieces.map((p) => p.delta.partial_json).join(''))).toEqual({ value: '[REDACTED:openai_key]' });
    expect(open()).toEqual(['text:2']);
  });

  it('encodes end-of-stream tails as content_block_delta events', () => {
    const out = anthropicAdapter.encodeStreamTails!('chat', new Map([['text:0', 'a'], ['tool:1', '"}']]), event('message_delta', {}));
    expect(datas(out)).toEqual([
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'a' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"}' } },
    ]);
  });
});
