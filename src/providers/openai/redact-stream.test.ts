import { describe, expect, it } from 'vitest';
import { openaiKey, seeded } from '../../policy/data-leak/__fixtures__/values.js';
import { createRedactionChannels } from '../../policy/data-leak/index.js';
import type { HeldEvent } from '../types.js';
import { openaiAdapter } from './index.js';

const KEY = openaiKey(seeded(3));

/** Channels as the pipeline keeps them: one stream redactor each. */
const channels = () => createRedactionChannels();

const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini' };
function event(chunk: unknown): HeldEvent {
  const data = typeof chunk === 'string' ? chunk : JSON.stringify(chunk);
  return { data, encoded: `data: ${data}\n\n` };
}
const delta = (d: object, finish: string | null = null, extra: object = {}) => event({ ...base, choices: [{ index: 0, delta: d, logprobs: null, finish_reason: finish, ...extra }] });
const payload = (encoded: string) => JSON.parse(encoded.replace(/^data: /, ''));

describe('openai redactStreamEvent (chat)', () => {
  const redactEvent = openaiAdapter.redactStreamEvent!.bind(openaiAdapter);

  it('gives back the very same string for events without text, and for text released whole', () => {
    const { redact, end } = channels();
    for (const e of [event('[DONE]'), event({ ...base, choices: [], usage: { prompt_tokens: 1 } }), delta({ role: 'assistant', content: '' })]) {
      expect(redactEvent('chat', e, redact, end)).toBe(e.encoded);
    }
    const prose = delta({ content: 'Hello there, ' });
    expect(redactEvent('chat', prose, redact, end)).toBe(prose.encoded);
  });

  it('holds a key split over deltas back, drops the events that carry nothing else, and releases it redacted', () => {
    const { redact, end } = channels();
    const out = ['Key ', KEY.slice(0, 20), KEY.slice(20, 90), KEY.slice(90), ' done.'].map((text) => redactEvent('chat', delta({ content: text }), redact, end));
    expect(out[1]).toBe('');
    expect(out[2]).toBe('');
    out.push(redactEvent('chat', delta({}, 'stop'), redact, end));
    const text = out.filter(Boolean).map((encoded) => payload(encoded).choices[0].delta.content).join('');
    expect(text).toBe('Key [REDACTED:openai_key] done.');
  });

  it('puts the held-back tail into the finishing chunk, before its finish_reason, and nulls the logprobs of changed text', () => {
    const { redact, end, open } = channels();
    expect(redactEvent('chat', delta({ content: `key: ${KEY.slice(0, 30)}` }, null, { logprobs: { content: [] } }), redact, end)).toContain('"logprobs":null');
    const finish = payload(redactEvent('chat', delta({ content: KEY.slice(30) }, 'stop'), redact, end));
    expect(finish.choices[0]).toMatchObject({ delta: { content: '[REDACTED:openai_key]' }, finish_reason: 'stop' });
    expect(open()).toEqual([]);
  });

  it('redacts tool-call arguments per call, keeps the id/name chunk, and ends every call of the choice at finish_reason', () => {
    const { redact, end, open } = channels();
    const start = delta({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'store', arguments: '' } }] });
    expect(redactEvent('chat', start, redact, end)).toBe(start.encoded);
    const args = JSON.stringify({ value: KEY });
    const parts = [args.slice(0, 15), args.slice(15, 60), args.slice(60)].map((piece) => redactEvent('chat', delta({ tool_calls: [{ index: 0, function: { arguments: piece } }] }), redact, end));
    expect(open()).toEqual(['tool:0:0']);
    const finish = redactEvent('chat', delta({}, 'tool_calls'), redact, end);
    const joined = [...parts, finish]
      .filter(Boolean)
      .flatMap((encoded) => payload(encoded).choices[0].delta.tool_calls ?? [])
      .map((part: { function: { arguments: string } }) => part.function.arguments)
      .join('');
    expect(JSON.parse(joined)).toEqual({ value: '[REDACTED:openai_key]' });
    expect(payload(finish).choices[0]).toMatchObject({ finish_reason: 'tool_calls' });
    expect(open()).toEqual([]);

    // Arguments that end on a key still held back: the finishing chunk carries them, redacted.
    redactEvent('chat', delta({ tool_calls: [{ index: 2, function: { arguments: KEY } }] }), redact, end);
    const tail = payload(redactEvent('chat', delta({}, 'tool_calls'), redact, end));
    expect(tail.choices[0]).toMatchObject({ finish_reason: 'tool_calls', delta: { tool_calls: [{ index: 2, function: { arguments: '[REDACTED:openai_key]' } }] } });
  });

  it('redacts every tool-call shape: a custom tool\'s input, the legacy function_call, a call whose index comes as a string', () => {
    const { redact, end, open } = channels();
    const split = (text: string) => [text.slice(0, 12), text.slice(12, 70), text.slice(70)];
    const custom = split(`echo ${KEY}`).map((input, k) => delta({ tool_calls: [{ index: k === 0 ? 0 : '0', ...(k === 0 ? { id: 'call_sh', type: 'custom' } : {}), custom: { ...(k === 0 ? { name: 'shell' } : {}), input } }] }));
    const legacy = split(JSON.stringify({ key: KEY })).map((args) => delta({ function_call: { arguments: args } }));
    const out = [...custom, ...legacy].map((e) => redactEvent('chat', e, redact, end));
    expect(open()).toEqual(['tool:0:0:input', 'tool:0:function_call']);
    out.push(redactEvent('chat', delta({}, 'tool_calls'), redact, end));
    expect(open()).toEqual([]);
    const chunks = out.filter(Boolean).map(payload);
    const input = chunks.flatMap((c) => c.choices[0].delta.tool_calls ?? []).map((part: { custom?: { input: string } }) => part.custom?.input ?? '').join('');
    const args = chunks.map((c) => c.choices[0].delta.function_call?.arguments ?? '').join('');
    expect(input).toBe('echo [REDACTED:openai_key]');
    expect(JSON.parse(args)).toEqual({ key: '[REDACTED:openai_key]' });
    expect(chunks.flatMap((c) => c.choices[0].delta.tool_calls ?? []).every((part: object) => !('function' in part))).toBe(true);
  });

  it('redacts legacy Completions text', () => {
    const { redact, end } = channels();
    const legacy = (text: string, finish: string | null = null) => event({ id: 'cmpl-1', object: 'text_completion', created: 1, model: 'm', choices: [{ text, index: 0, logprobs: null, finish_reason: finish }] });
    const out = [legacy('k '), legacy(KEY.slice(0, 50)), legacy(KEY.slice(50)), legacy('', 'stop')].map((e) => redactEvent('text_completion', e, redact, end));
    expect(out.filter(Boolean).map((encoded) => payload(encoded).choices[0].text).join('')).toBe('k [REDACTED:openai_key]');
  });

  it('routes Responses API streams to their own redactor (see redact-responses-stream.test.ts)', () => {
    const { redact, end } = channels();
    const e = event({ type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: `k ${KEY} ok` });
    expect(payload(redactEvent('responses', e, redact, end)).delta).toBe('k [REDACTED:openai_key] ');
  });
});

describe('openai encodeStreamTails', () => {
  it('encodes tails as chunks shaped like the stream (id, model, created), one per choice', () => {
    const like = event({ ...base, system_fingerprint: 'fp', choices: [], usage: { prompt_tokens: 1 } });
    const tails = new Map([
      ['text:0', 'abc'],
      ['tool:0:1', '"}'],
      ['text:1', 'xyz'],
    ]);
    const encoded = openaiAdapter.encodeStreamTails!('chat', tails, like);
    const chunks = encoded.split('\n\n').filter(Boolean).map(payload);
    expect(chunks).toEqual([
      { ...base, system_fingerprint: 'fp', usage: null, choices: [{ index: 0, delta: { content: 'abc', tool_calls: [{ index: 1, function: { arguments: '"}' } }] }, logprobs: null, finish_reason: null }] },
      { ...base, system_fingerprint: 'fp', usage: null, choices: [{ index: 1, delta: { content: 'xyz' }, logprobs: null, finish_reason: null }] },
    ]);
    const shapes = openaiAdapter.encodeStreamTails!('chat', new Map([['tool:0:2:input', 'in'], ['tool:0:function_call', '"}']]), like);
    expect(payload(shapes.trim()).choices[0].delta).toEqual({ tool_calls: [{ index: 2, custom: { input: 'in' } }], function_call: { arguments: '"}' } });
    const legacy = openaiAdapter.encodeStreamTails!('text_completion', new Map([['text:0', 'abc']]), event({ id: 'c', object: 'text_completion', created: 1, model: 'm', choices: [] }));
    expect(payload(legacy.trim())).toEqual({ id: 'c', object: 'text_completion', created: 1, model: 'm', choices: [{ index: 0, text: 'abc', logprobs: null, finish_reason: null }] });
  });
});
