/**
 * Refusing calls in a Chat Completions JSON answer by the ids its view gave them (F2, F3), and
 * replacing tool results in a request by the ids its view gave them (quarantine, blocked results).
 */
import { describe, expect, it } from 'vitest';
import type { BlockedCall, ToolResultReplacement } from '../../policy/refusal.js';
import type { RouteMatch } from '../types.js';
import { openaiAdapter } from './index.js';

const blockedOf = (ids: readonly string[]): BlockedCall[] => ids.map((toolCallId) => ({ toolCallId, tool: 'x', reason: 'it was refused' }));
const refuse = (json: unknown, ids: readonly string[]) => openaiAdapter.refuseToolCalls!('chat', json, blockedOf(ids));
const read = (json: unknown) => openaiAdapter.readResponse('chat', json);
const fn = (id: unknown, name: string, args = '{}') => ({ ...(id === undefined ? {} : { id }), type: 'function', function: { name, arguments: args } });
const answer = (...messages: object[]) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'gpt-4o-mini',
  choices: messages.map((message, index) => ({ index, message: { role: 'assistant', content: null, ...message }, finish_reason: 'tool_calls' })),
});

describe('refuseChatResponse', () => {
  it('removes exactly the refused calls, whatever id they lack; the kept ones keep their place and the view agrees', () => {
    const json = answer({
      content: 'On it.',
      tool_calls: [fn(undefined, 'send_email', '{"to":"x@evil.test"}'), fn(null, 'read_file'), fn(9, 'delete_file', '{"path":"/"}'), fn('call_d', 'list'), fn('call_d', 'wire_money', '{"iban":"XX"}'), { id: 'call_c', type: 'custom', custom: { name: 'shell', input: 'rm -rf /' } }, { type: 'mystery', mystery: {} }],
    });
    const ids = read(json).toolCalls.map((call) => call.id);
    expect(ids).toEqual(['#0.0', '#0.1', '#0.2', 'call_d', '#0.4', 'call_c', '#0.6']);
    const out = refuse(structuredClone(json), ['#0.0', '#0.2', '#0.4', 'call_c', '#0.6']) as ReturnType<typeof answer>;
    const text = JSON.stringify(out);
    for (const fragment of ['evil.test', 'delete_file', 'wire_money', 'rm -rf', 'mystery']) expect(text.replace(/\[Archestra\][^"]*/, '')).not.toContain(fragment);
    expect(read(out).toolCalls.map((call) => call.name)).toEqual(['read_file', 'list']);
    expect(out.choices[0]).toMatchObject({ finish_reason: 'tool_calls', message: { content: expect.stringMatching(/^On it\.\n\n\[Archestra\] 5 tool calls were blocked/) } });
  });

  it('removes a refused legacy function_call and a tool_calls that is no list; a choice with no call left ends with stop', () => {
    const out = refuse(answer({ function_call: { name: 'send_email', arguments: '{"to":"x@evil.test"}' } }, { tool_calls: { broken: true } }), ['#0.function_call', '#1.tool_calls']) as ReturnType<typeof answer>;
    expect(out.choices.map((choice) => choice.finish_reason)).toEqual(['stop', 'stop']);
    expect(out.choices.map((choice) => Object.keys(choice.message).sort())).toEqual([['content', 'role'], ['content', 'role']]);
    expect(read(out).toolCalls).toEqual([]);
  });

  it('refuses the answer whole (undefined) when a refused call is not in it', () => {
    expect(refuse(answer({ tool_calls: [fn('call_a', 'a')] }), ['call_b'])).toBeUndefined();
    expect(refuse({ not: 'an answer' }, ['call_b'])).toBeUndefined();
  });
});

describe('replaceChatToolResults', () => {
  const match = { route: { method: 'POST', segments: ['chat', 'completions'], operation: 'chat', hasBody: true }, params: [], nativePath: '/chat/completions' } satisfies RouteMatch;
  const body = () => ({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'user', content: 'Read my mail.' },
      { role: 'assistant', content: null, tool_calls: [fn(5, 'read_email'), fn('call_a', 'read_email'), fn('call_b', 'read_email')], function_call: { name: 'fetch_url', arguments: '{}' } },
      { role: 'tool', tool_call_id: 5, content: 'numeric id: EVIL 1' },
      { role: 'tool', content: 'no id: EVIL 2' },
      { role: 'tool', tool_call_id: 'call_a', content: 'first: EVIL 3' },
      { role: 'tool', tool_call_id: 'call_a', content: 'repeated id: EVIL 4' },
      { role: 'function', name: 'fetch_url', content: 'legacy: EVIL 5' },
      { role: 'tool', tool_call_id: 'call_b', content: 'kept' },
    ],
  });

  it('replaces each result by the id the request view gave it, whatever id it lacks', () => {
    const json = body();
    const decoded = openaiAdapter.decodeRequest(match, json, new URLSearchParams());
    if (!decoded.success) throw new Error(decoded.message);
    const results = decoded.view.messages.flatMap((message) => message.toolResults);
    expect(results.map((result) => [result.toolCallId, result.name])).toEqual([['#r2', 'read_email'], ['#r3', undefined], ['call_a', undefined], ['#r5', 'read_email'], ['#r6', 'fetch_url'], ['call_b', undefined]]);
    const replacements = new Map<string, ToolResultReplacement>(results.filter((result) => result.text.includes('EVIL')).map((result) => [result.toolCallId, { text: `stand-in for ${result.toolCallId}`, withheld: false }]));
    expect(openaiAdapter.replaceToolResults!('chat', json, replacements)).toBe(true);
    expect(JSON.stringify(json)).not.toContain('EVIL');
    expect(json.messages.slice(2).map((message) => message.content)).toEqual(['stand-in for #r2', 'stand-in for #r3', 'stand-in for call_a', 'stand-in for #r5', 'stand-in for #r6', 'kept']);
  });

  it('says false when a replacement finds no result (the request is then refused)', () => {
    const json = body();
    expect(openaiAdapter.replaceToolResults!('chat', json, new Map([['call_a', { text: 'x', withheld: true }], ['call_gone', { text: 'x', withheld: true }]]))).toBe(false);
    expect(openaiAdapter.replaceToolResults!('chat', { model: 'm' }, new Map([['call_a', { text: 'x', withheld: true }]]))).toBe(false);
  });
});
