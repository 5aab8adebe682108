/**
 * The Chat Completions stream reader judges what the openai SDK assembles (F6): each malformed but
 * parsable stream below is read by the reader and by the SDK's own `ChatCompletionStream`, and the
 * calls must agree; what the SDK cannot place (or other clients would assemble differently) is
 * refused instead (`unreadable`), every call shape is read (F2), and a call without a usable id
 * gets the positional id the refusal encoder recomputes (F3).
 */
import { describe, expect, it } from 'vitest';
import { callOf, chatChunk as chunk, sdkFinal } from '../../../test/helpers/openai-chat-chunks.js';
import type { StreamEventInfo } from '../types.js';
import { openaiAdapter } from './index.js';

function read(chunks: readonly object[]) {
  const reader = openaiAdapter.streamReader({ operation: 'chat', injectedUsage: false });
  const infos: StreamEventInfo[] = chunks.map((c) => reader.read({ data: JSON.stringify(c) }));
  return { infos, view: reader.view() };
}

const role = chunk({ role: 'assistant', content: null });
const fn = (index: unknown, fields: object) => chunk({ tool_calls: [{ index, ...fields }] });
const finish = (reason = 'tool_calls') => chunk({}, reason);

describe('chat stream reader: the calls the SDK assembles (F6)', () => {
  const cases: [string, object[]][] = [
    ['the name repeated in every delta', [role, fn(0, { id: 'call_a', type: 'function', function: { name: 'send_email', arguments: '{"to":' } }), fn(0, { function: { name: 'send_email', arguments: '"x@y.test"}' } }), finish()]],
    ['empty name pieces after the first', [role, fn(0, { id: 'call_a', type: 'function', function: { name: 'send_email', arguments: '' } }), fn(0, { function: { name: '', arguments: '{}' } }), finish()]],
    ['an index sent as a string', [role, fn('0', { id: 'call_a', type: 'function', function: { name: 'read_file', arguments: '{"path":' } }), fn(0, { function: { arguments: '"a"}' } }), fn('1', { id: 'call_b', type: 'function', function: { name: 'send_email', arguments: '{}' } }), finish()]],
    ['the id arriving in a later delta', [role, fn(0, { type: 'function', function: { name: 'send_email', arguments: '{"to"' } }), fn(0, { id: 'call_late', function: { arguments: ':"a@b.test"}' } }), finish()]],
    ['calls interleaved, the second index first', [role, fn(1, { id: 'call_b', type: 'function', function: { name: 'b', arguments: '{"n":' } }), fn(0, { id: 'call_a', type: 'function', function: { name: 'a', arguments: '{}' } }), fn(1, { function: { arguments: '2}' } }), finish()]],
    ['null argument pieces and `custom: {}` echoed on function deltas', [role, fn(0, { id: 'call_a', type: 'function', custom: {}, function: { name: 'a', arguments: null } }), fn(0, { custom: {}, function: { arguments: '{"k":1}' } }), finish()]],
    ['the type in a later delta', [role, fn(0, { id: 'call_a', function: { name: 'a', arguments: '{}' } }), fn(0, { type: 'function' }), finish()]],
  ];

  it.each(cases)('%s', async (_label, chunks) => {
    const { infos, view } = read(chunks);
    expect(infos.some((info) => info.unreadable)).toBe(false);
    const sdk = await sdkFinal(chunks);
    expect(view.toolCalls.map(({ name, arguments: args }) => ({ name, arguments: args }))).toEqual((sdk.choices[0]?.message.tool_calls ?? []).map(callOf));
    expect(view.toolCalls.every((call) => !call.unknownShape)).toBe(true);
  });

  it('the legacy function_call deltas, as the SDK joins them', async () => {
    const chunks = [role, chunk({ function_call: { name: 'send_email', arguments: '{"to":' } }), chunk({ function_call: { arguments: '"a@b.test"}' } }), finish('function_call')];
    const { infos, view } = read(chunks);
    expect(infos.slice(1, 3).every((info) => info.toolCall)).toBe(true);
    const sdk = await sdkFinal(chunks);
    expect(view.toolCalls).toEqual([{ id: '#0.function_call', ...sdk.choices[0]!.message.function_call! }]);
  });
});

describe('chat stream reader: deltas it cannot place are refused (F3, F6)', () => {
  const named = { id: 'call_a', type: 'function', function: { name: 'send_email', arguments: '{}' } };
  const cases: [string, object][] = [
    ['no index', chunk({ tool_calls: [named] })],
    ['index null', fn(null, named)],
    ['index -1', fn(-1, named)],
    ['index 1.5', fn(1.5, named)],
    ['index "01"', fn('01', named)],
    ['index as an object', fn({ i: 0 }, named)],
    ['a choice without an index', { ...role, choices: [{ delta: { tool_calls: [{ index: 0, ...named }] }, finish_reason: null }] }],
    ['tool_calls that are not a list', chunk({ tool_calls: { index: 0, ...named } })],
    ['a null part', chunk({ tool_calls: [null] })],
    ['a name that is not text', fn(0, { id: 'call_a', type: 'function', function: { name: 7, arguments: '{}' } })],
    ['arguments that are not text', fn(0, { id: 'call_a', type: 'function', function: { name: 'a', arguments: { to: 'x' } } })],
    ['a function_call that is no object', chunk({ function_call: 'send_email' })],
  ];

  it('an empty tool_calls list in a choice without an index carries no call (the SDK adds none)', () => {
    expect(read([{ ...role, choices: [{ delta: { content: 'hi', tool_calls: [] }, finish_reason: null }] }]).infos[0]).toEqual({});
  });

  it.each(cases)('%s', (_label, bad) => {
    const { infos } = read([role, bad]);
    expect(infos[1]).toMatchObject({ toolCall: true, unreadable: expect.stringContaining('cannot judge') });
  });

  it('name pieces that differ (the SDK keeps the last, other clients join or keep the first)', () => {
    const { infos } = read([role, fn(0, { id: 'call_a', type: 'function', function: { name: 'read_', arguments: '' } }), fn(0, { function: { name: 'file', arguments: '{}' } })]);
    expect(infos[1]?.unreadable).toBeUndefined();
    expect(infos[2]?.unreadable).toContain('name pieces differ');
  });

  it('a call that changes type, or mixes a function and a custom tool', () => {
    expect(read([fn(0, { type: 'function', function: { name: 'a' } }), fn(0, { type: 'custom' })]).infos[1]?.unreadable).toContain('type changes');
    expect(read([fn(0, { function: { name: 'a' } }), fn(0, { custom: { input: 'rm -rf /' } })]).infos[1]?.unreadable).toContain('mixes');
    expect(read([fn(0, { type: 'custom', custom: { name: 'shell' } }), fn(0, { function: { arguments: '{}' } })]).infos[1]?.unreadable).toContain('mixes');
  });
});

describe('chat stream reader: every call shape, every id (F2, F3)', () => {
  it('reads a custom tool call: its name, and its input pieces joined', () => {
    const { view } = read([role, fn(0, { id: 'call_c', type: 'custom', custom: { name: 'shell', input: 'echo ' } }), fn(0, { custom: { input: 'hello' } }), finish()]);
    expect(view.toolCalls).toEqual([{ id: 'call_c', name: 'shell', arguments: 'echo hello' }]);
  });

  it('a call of an unknown type is a call of unknown shape, named by its type', () => {
    const { infos, view } = read([role, fn(0, { id: 'call_u', type: 'computer_use', computer_use: { action: 'click' } }), finish()]);
    expect(infos[1]).toEqual({ toolCall: true });
    expect(view.toolCalls).toEqual([{ id: 'call_u', name: 'computer_use', arguments: '{"computer_use":{"action":"click"}}', unknownShape: true }]);
  });

  it('gives a call without a usable id (none, numeric, repeated, differing, starting with #) its position: #<choice>.<index>', () => {
    const call = (index: number, id: unknown) => fn(index, { ...(id === undefined ? {} : { id }), type: 'function', function: { name: `f${index}`, arguments: '{}' } });
    const { view } = read([role, call(0, undefined), call(1, 42), call(2, 'call_x'), call(3, 'call_x'), call(4, '#0.0'), call(5, 'call_y'), fn(5, { id: 'call_z' }), finish()]);
    expect(view.toolCalls.map((c) => c.id)).toEqual(['#0.0', '#0.1', 'call_x', '#0.3', '#0.4', '#0.5']);
    const second = read([chunk({ tool_calls: [{ index: 0, type: 'function', function: { name: 'g', arguments: '{}' } }] }, null, 1)]).view;
    expect(second.toolCalls).toEqual([{ id: '#1.0', name: 'g', arguments: '{}' }]);
  });

  it('a web citation in a delta is a hosted search in the answer; a chunk with any truthy `error` is an error', () => {
    expect(read([chunk({ annotations: [{ type: 'url_citation', url_citation: { url: 'https://a.test' } }] })]).view.hostedCalls).toEqual(['web_search']);
    expect(read([{ error: 'overloaded' }]).infos[0]).toEqual({ error: 'upstream stream error' });
  });
});
