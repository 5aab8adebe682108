import { describe, expect, it } from 'vitest';
import { openaiKey, seeded } from '../../policy/data-leak/__fixtures__/values.js';
import { createRedactionChannels } from '../../policy/data-leak/index.js';
import type { HeldEvent } from '../types.js';
import { openaiAdapter } from './index.js';

const KEY = openaiKey(seeded(3));

/** Channels as the pipeline keeps them (one stream redactor each), noting each finding. */
function channels() {
  const found: string[] = [];
  const open = createRedactionChannels(undefined, (channel, findings) => {
    for (const finding of findings) found.push(`${channel} ${finding.detector}`);
  });
  return { ...open, found: () => found };
}

function event(type: string, fields: object): HeldEvent {
  const data = JSON.stringify({ type, ...fields });
  return { event: type, data, encoded: `event: ${type}\ndata: ${data}\n\n` };
}
const events = (encoded: string) =>
  encoded
    .split('\n\n')
    .filter(Boolean)
    .map((block) => JSON.parse(block.split('\n').find((l) => l.startsWith('data: '))!.slice(6)));
const redactEvent = (e: HeldEvent, c: ReturnType<typeof channels>) => openaiAdapter.redactStreamEvent!('responses', e, c.redact, c.end);

describe('openai redactStreamEvent (Responses API)', () => {
  it('text deltas: a split key redacted whole, its tail in a delta just before output_text.done; .done and snapshots repeat the sent text, found once', () => {
    const c = channels();
    const text = `key: ${KEY}`;
    const ids = { item_id: 'msg_1', output_index: 0, content_index: 0 };
    let out = '';
    for (const delta of ['key: ', KEY.slice(0, 40), KEY.slice(40)]) out += redactEvent(event('response.output_text.delta', { ...ids, delta, logprobs: [] }), c);
    out += redactEvent(event('response.output_text.done', { ...ids, text }), c);
    const item = { id: 'msg_1', type: 'message', content: [{ type: 'output_text', text }] };
    out += redactEvent(event('response.output_item.done', { output_index: 0, item }), c);
    out += redactEvent(event('response.completed', { response: { id: 'r', output: [item] } }), c);
    const all = events(out);
    expect(all.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('')).toBe('key: [REDACTED:openai_key]');
    const done = all.findIndex((e) => e.type === 'response.output_text.done');
    expect(all[done - 1]).toMatchObject({ type: 'response.output_text.delta', ...ids, delta: '[REDACTED:openai_key]' });
    expect(all[done].text).toBe('key: [REDACTED:openai_key]');
    expect(all.at(-2).item.content[0].text).toBe('key: [REDACTED:openai_key]');
    expect(all.at(-1).response.output[0].content[0].text).toBe('key: [REDACTED:openai_key]');
    expect(c.found()).toEqual(['text:0:0 openai_key']);
  });

  it.each([
    ['response.custom_tool_call_input.delta', 'response.custom_tool_call_input.done', 'input', 'custom:2'],
    ['response.mcp_call_arguments.delta', 'response.mcp_call_arguments.done', 'arguments', 'mcp:2'],
  ])('%s: a key split across deltas is redacted; its tail goes out as one more delta before %s', (deltaType, doneType, field, channel) => {
    const c = channels();
    const input = `curl -H 'Authorization: Bearer ${KEY}'`;
    const ids = { item_id: 'ct_1', output_index: 2 };
    let out = '';
    for (const delta of [input.slice(0, 30), input.slice(30, 60), input.slice(60)]) out += redactEvent(event(deltaType, { ...ids, delta }), c);
    out += redactEvent(event(doneType, { ...ids, [field]: input }), c);
    const all = events(out);
    const redacted = `curl -H 'Authorization: Bearer [REDACTED:openai_key]'`;
    expect(all.filter((e) => e.type === deltaType).map((e) => e.delta).join('')).toBe(redacted);
    expect(all.at(-1)).toMatchObject({ type: doneType, [field]: redacted });
    expect(out).not.toContain(KEY.slice(20, 40));
    expect(c.found()).toEqual([`${channel} openai_key`]);
  });

  it('function call arguments: deltas and .done; a snapshot never streamed is scanned whole under its path', () => {
    const c = channels();
    const args = JSON.stringify({ value: KEY });
    let out = '';
    for (const delta of [args.slice(0, 30), args.slice(30)]) out += redactEvent(event('response.function_call_arguments.delta', { item_id: 'fc_1', output_index: 1, delta }), c);
    out += redactEvent(event('response.function_call_arguments.done', { item_id: 'fc_1', output_index: 1, arguments: args }), c);
    const all = events(out);
    expect(JSON.parse(all.filter((e) => e.type.endsWith('.delta')).map((e) => e.delta).join(''))).toEqual({ value: '[REDACTED:openai_key]' });
    expect(JSON.parse(all.at(-1).arguments)).toEqual({ value: '[REDACTED:openai_key]' });

    const fresh = channels();
    const snapshot = events(redactEvent(event('response.completed', { response: { output: [{ type: 'message', content: [{ type: 'output_text', text: `k ${KEY}` }] }] } }), fresh));
    expect(snapshot[0].response.output[0].content[0].text).toBe('k [REDACTED:openai_key]');
    expect(fresh.found()).toEqual(['response.output[0].content[0].text openai_key']);
  });

  it('a response.failed snapshot (partial output) is redacted like a completed one', () => {
    const c = channels();
    const failed = events(redactEvent(event('response.failed', { response: { status: 'failed', error: { code: 'server_error', message: 'x' }, output: [{ type: 'message', content: [{ type: 'output_text', text: `k ${KEY}` }] }] } }), c));
    expect(failed[0].response.output[0].content[0].text).toBe('k [REDACTED:openai_key]');
    expect(failed[0].response.error).toEqual({ code: 'server_error', message: 'x' });
  });

  it('events without findings come back as the very same string', () => {
    const c = channels();
    const e = event('response.output_text.delta', { item_id: 'm', output_index: 0, content_index: 0, delta: 'Hello there, ' });
    expect(redactEvent(e, c)).toBe(e.encoded);
    const created = event('response.created', { response: { output: [] } });
    expect(redactEvent(created, c)).toBe(created.encoded);
  });
});
