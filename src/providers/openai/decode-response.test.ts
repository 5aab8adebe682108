/**
 * Every tool-call shape of a Chat Completions JSON answer is read (F2), and a call without a
 * usable id gets a positional one (F3): the guard judges each, and the refusal encoder finds each.
 */
import { describe, expect, it } from 'vitest';
import { openaiAdapter } from './index.js';

const answer = (...messages: object[]) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'gpt-4o-mini',
  choices: messages.map((message, index) => ({ index, message: { role: 'assistant', content: null, ...message }, finish_reason: 'tool_calls' })),
});
const read = (json: unknown) => openaiAdapter.readResponse('chat', json);
const fn = (id: unknown, name: string, args = '{}') => ({ ...(id === undefined ? {} : { id }), type: 'function', function: { name, arguments: args } });

describe('chat JSON answer: every call shape', () => {
  it('reads function calls, custom tool calls and the legacy function_call, in every choice', () => {
    const view = read(answer(
      { tool_calls: [fn('call_f', 'send_email', '{"to":"a@b.test"}'), { id: 'call_c', type: 'custom', custom: { name: 'shell', input: 'ls -la' } }] },
      { function_call: { name: 'wire_money', arguments: '{"iban":"DE00"}' } },
    ));
    expect(view.toolCalls).toEqual([
      { id: 'call_f', name: 'send_email', arguments: '{"to":"a@b.test"}' },
      { id: 'call_c', name: 'shell', arguments: 'ls -la' },
      { id: '#1.function_call', name: 'wire_money', arguments: '{"iban":"DE00"}' },
    ]);
  });

  it('an entry of an unknown type, or one that is not what its type says, is a call of unknown shape', () => {
    const view = read(answer({ tool_calls: [{ id: 'call_u', type: 'computer_use', action: { click: [1, 2] } }, { id: 'call_f', type: 'function' }, { type: 'custom', custom: { input: 'x' } }, 'send_email', {}, { function: { name: 'a' }, custom: { name: 'b', input: 'x' } }] }));
    expect(view.toolCalls.map(({ id, name, unknownShape }) => ({ id, name, unknownShape }))).toEqual([
      { id: 'call_u', name: 'computer_use', unknownShape: true },
      { id: 'call_f', name: 'function', unknownShape: true },
      { id: '#0.2', name: 'custom', unknownShape: true },
      { id: '#0.3', name: 'unknown', unknownShape: true },
      { id: '#0.4', name: 'unknown', unknownShape: true },
      { id: '#0.5', name: 'unknown', unknownShape: true },
    ]);
    expect(view.toolCalls[0]?.arguments).toContain('"click":[1,2]');
  });

  it('tool_calls that are not a list, and a function_call that is no object, are calls of unknown shape', () => {
    expect(read(answer({ tool_calls: { id: 'call_a', function: { name: 'a' } }, function_call: 'send_email' })).toolCalls).toEqual([
      { id: '#0.tool_calls', name: 'tool_calls', arguments: '{"id":"call_a","function":{"name":"a"}}', unknownShape: true },
      { id: '#0.function_call', name: 'function_call', arguments: 'send_email', unknownShape: true },
    ]);
  });

  it('arguments sent as an object are judged as their JSON text', () => {
    expect(read(answer({ tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'a', arguments: { to: 'x' } } }] })).toolCalls[0]?.arguments).toBe('{"to":"x"}');
  });
});

describe('chat JSON answer: ids', () => {
  it('a call without a usable id (none, null, numeric, empty, starting with #, repeated) is #<choice>.<position>', () => {
    const view = read(answer({ tool_calls: [fn(undefined, 'a'), fn(null, 'b'), fn(7, 'c'), fn('', 'd'), fn('#0.0', 'e'), fn('call_x', 'f'), fn('call_x', 'g')] }, { tool_calls: [fn('call_x', 'h')] }));
    expect(view.toolCalls.map((call) => call.id)).toEqual(['#0.0', '#0.1', '#0.2', '#0.3', '#0.4', 'call_x', '#0.6', '#1.0']);
  });

  it('counts choices by their place in the list, as the refusal encoder does', () => {
    const json = answer({ content: 'hi' }, { tool_calls: [fn(undefined, 'a')] });
    (json.choices as unknown[]).unshift(null);
    expect(read(json).toolCalls.map((call) => call.id)).toEqual(['#2.0']);
  });
});

it('a web citation in the answer is a hosted search (outside content in the answer)', () => {
  expect(read(answer({ content: 'See [a](https://a.test).', annotations: [{ type: 'url_citation', url_citation: { url: 'https://a.test', title: 'a', start_index: 4, end_index: 20 } }] })).hostedCalls).toEqual(['web_search']);
  expect(read(answer({ content: 'hi', annotations: [] })).hostedCalls).toBeUndefined();
});
