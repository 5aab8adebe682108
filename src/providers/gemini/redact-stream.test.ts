import { describe, expect, it } from 'vitest';
import { awsAccessKey, openaiKey, seeded } from '../../policy/data-leak/__fixtures__/values.js';
import { createRedactionChannels } from '../../policy/data-leak/index.js';
import type { HeldEvent } from '../types.js';
import { geminiAdapter } from './index.js';

const random = seeded(3);
const KEY = openaiKey(random);
const AWS = awsAccessKey(random);

/** Channels as the pipeline keeps them: one stream redactor each. */
const channels = () => createRedactionChannels();

const base = { modelVersion: 'gemini-2.5-flash', responseId: 'r1', usageMetadata: { promptTokenCount: 1 } };
function event(parts: object[], finish?: string, index = 0): HeldEvent {
  const data = JSON.stringify({ candidates: [{ content: { parts, role: 'model' }, ...(finish ? { finishReason: finish } : {}), index }], ...base });
  return { data, encoded: `data: ${data}\n\n` };
}
const payload = (encoded: string) => JSON.parse(encoded.replace(/^data: /, ''));
const redactEvent = geminiAdapter.redactStreamEvent!.bind(geminiAdapter);

describe('gemini redactStreamEvent', () => {
  it('text parts by candidate: a key split over events is redacted whole, its tail in the finishing event', () => {
    const { redact, end, open } = channels();
    const texts = ['key: ', KEY.slice(0, 40), KEY.slice(40)].map((text) => redactEvent('generate_content', event([{ text }]), redact, end));
    const last = redactEvent('generate_content', event([{ text: '' }], 'STOP'), redact, end);
    const all = [...texts, last].map((encoded) => payload(encoded).candidates[0].content.parts.map((p: { text: string }) => p.text).join('')).join('');
    expect(all).toBe('key: [REDACTED:openai_key]');
    expect(payload(last).candidates[0]).toMatchObject({ finishReason: 'STOP', content: { parts: [{ text: '[REDACTED:openai_key]' }] } });
    expect(open()).toEqual([]);
  });

  it('functionCall args are scanned whole and their channel ended at once', () => {
    const { redact, end, open } = channels();
    const out = payload(redactEvent('generate_content', event([{ functionCall: { name: 'store', args: { value: AWS, n: 1 } } }]), redact, end));
    expect(out.candidates[0].content.parts[0].functionCall.args).toEqual({ value: '[REDACTED:aws_access_key]', n: 1 });
    expect(open()).toEqual([]);
  });

  it('events without findings come back as the very same string; other operations are left alone', () => {
    const { redact, end } = channels();
    const e = event([{ text: 'Hello there, ' }]);
    expect(redactEvent('generate_content', e, redact, end)).toBe(e.encoded);
    const k = event([{ text: KEY }]);
    expect(redactEvent('count_tokens', k, redact, end)).toBe(k.encoded);
  });

  it('encodeStreamTails: one event per candidate, shaped like the last one', () => {
    const like = event([{ text: 'x' }], undefined, 0);
    const out = geminiAdapter.encodeStreamTails!('generate_content', new Map([['thought:1', 'why'], ['text:1', 'tail']]), like);
    const events = out.split('\n\n').filter(Boolean).map(payload);
    expect(events).toEqual([{ candidates: [{ content: { parts: [{ text: 'why', thought: true }, { text: 'tail' }], role: 'model' }, index: 1 }], ...base }]);
  });
});
