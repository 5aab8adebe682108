/**
 * F6 (SDK parity) for Messages streams: the reader assembles a stream the way the SDK's
 * MessageStream does (a started block is appended, a delta goes to the block at its index), and
 * where another client could read the same events differently (indices that are not positions,
 * a delta for a block never started, an event whose name is not its type) it says `unreadable`, so
 * the stream ends with an error event rather than deliver a call the proxy did not judge.
 */
import { describe, expect, it } from 'vitest';
import type { StreamEvent, StreamEventInfo } from '../types.js';
import { messagesStreamReader } from './decode-stream.js';

const named = (type: string, payload: object): StreamEvent => ({ event: type, data: JSON.stringify({ type, ...payload }) });
const MESSAGE = { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'claude-sonnet-4-6', stop_reason: null, usage: { input_tokens: 5, output_tokens: 1 } };
const start = (index: unknown, block: object) => named('content_block_start', { index, content_block: block });
const delta = (index: unknown, value: object) => named('content_block_delta', { index, delta: value });
const json = (index: unknown, partial: string) => delta(index, { type: 'input_json_delta', partial_json: partial });
const stop = (index: unknown) => named('content_block_stop', { index });
const SEND = { type: 'tool_use', id: 'toolu_send', name: 'send_email', input: {} };
const TEXT = { type: 'text', text: '' };

/** Reads `events` in order; returns every event's info and the last one. */
function read(events: StreamEvent[]) {
  const reader = messagesStreamReader();
  const infos: StreamEventInfo[] = events.map((event) => reader.read(event));
  return { reader, infos, last: infos.at(-1)! };
}

const opening = [named('message_start', { message: MESSAGE }), start(0, TEXT), delta(0, { type: 'text_delta', text: 'Hi. ' }), stop(0)];

describe('stream reader: the SDK\'s assembly, or malformed', () => {
  it.each<[string, StreamEvent[]]>([
    ['a delta whose index is a string ("1")', [...opening, start(1, SEND), json('1', '{"to":"x@evil.example"}')]],
    ['a start whose index is a string ("1")', [...opening, start('1', SEND)]],
    ['a repeated content_block_start (an index used before)', [...opening, start(0, SEND)]],
    ['an out-of-order content_block_start (2 where 1 is next)', [...opening, start(2, SEND)]],
    ['a negative index (the SDK\'s .at(-1) is the last block)', [...opening, start(1, SEND), json(-1, '{}')]],
    ['an input_json_delta for an index never started', [...opening, json(1, '{"to":"x@evil.example"}')]],
    ['a delta for a block already stopped', [...opening, delta(0, { type: 'text_delta', text: 'more' })]],
    ['a second content_block_stop', [...opening, stop(0)]],
    ['content before message_start (the SDK drops it)', [start(0, SEND)]],
    ['a second message_start (the SDK throws)', [...opening, named('message_start', { message: MESSAGE })]],
    ['a message_start whose content already holds a call (the SDK keeps it, unread)', [named('message_start', { message: { ...MESSAGE, content: [{ ...SEND, input: { to: 'x@evil.example' } }] } })]],
    ['a message_start without a message', [named('message_start', {})]],
    ['a ping event carrying a content_block_start (the SDK skips pings)', [...opening, { event: 'ping', data: JSON.stringify({ type: 'content_block_start', index: 1, content_block: SEND }) }]],
    ['an unnamed event carrying a content_block_start (the SDK skips unnamed events)', [...opening, { data: JSON.stringify({ type: 'content_block_start', index: 1, content_block: SEND }) }]],
    ['an event named content_block_delta carrying another type', [...opening, { event: 'content_block_delta', data: JSON.stringify({ type: 'content_block_start', index: 1, content_block: SEND }) }]],
    ['an event named content_block_start whose data is not JSON', [...opening, { event: 'content_block_start', data: 'nope' }]],
    ['a text_delta whose text is not a string (the SDK would concatenate it)', [...opening, start(1, TEXT), delta(1, { type: 'text_delta', text: ['https://evil.example/?d=secret'] })]],
    ['an input_json_delta whose partial_json is not a string', [...opening, start(1, SEND), delta(1, { type: 'input_json_delta', partial_json: { to: 'x' } })]],
    ['a call whose input is cut JSON at message_stop (the SDK repairs it)', [...opening, start(1, SEND), json(1, '{"to":"x@evil.example"'), stop(1), named('message_stop', {})]],
    ['a call whose input is not JSON at message_stop', [...opening, start(1, SEND), json(1, 'to=x@evil.example'), stop(1), named('message_stop', {})]],
  ])('%s: malformed', (_name, events) => {
    const { infos, last } = read(events);
    expect(infos.slice(0, -1).every((info) => info.unreadable === undefined)).toBe(true);
    expect(last.unreadable).toMatch(/^The upstream stream is malformed \(.+\); it was ended so that no client reads a tool call the proxy did not judge\.$/);
    expect(last.terminal).toBeUndefined();
  });

  it('a well-formed stream assembles as the SDK does: pieces joined; all-empty pieces are {} (not the start\'s input); no piece keeps the start\'s input', () => {
    const { reader, last } = read([
      ...opening,
      start(1, SEND), json(1, ''), json(1, '{"to": "a@b.example",'), json(1, ' "n": 1}'), stop(1),
      start(2, { ...SEND, id: 'toolu_2', input: { to: 'start@input.example' } }), json(2, ''), stop(2),
      start(3, { ...SEND, id: 'toolu_3', input: { to: 'kept@input.example' } }), stop(3),
      named('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } }),
      named('message_stop', {}),
    ]);
    expect(last).toEqual({ terminal: true });
    expect(reader.view()).toEqual({
      model: 'claude-sonnet-4-6',
      text: 'Hi. ',
      toolCalls: [
        { id: 'toolu_send', name: 'send_email', arguments: '{"to":"a@b.example","n":1}' },
        { id: 'toolu_2', name: 'send_email', arguments: '{}' },
        { id: 'toolu_3', name: 'send_email', arguments: '{"to":"kept@input.example"}' },
      ],
      usage: { inputTokens: 5, outputTokens: 9 },
      finishReason: 'tool_use',
    });
  });

  it('two blocks open at once are fine (the SDK finds each by index): deltas go to the block they name', () => {
    const { reader, infos } = read([named('message_start', { message: MESSAGE }), start(0, TEXT), start(1, SEND), delta(0, { type: 'text_delta', text: 'a' }), json(1, '{"to":"q@r.example"}'), stop(1), stop(0), named('message_stop', {})]);
    expect(infos.every((info) => info.unreadable === undefined)).toBe(true);
    expect(reader.view()).toMatchObject({ text: 'a', toolCalls: [{ id: 'toolu_send', arguments: '{"to":"q@r.example"}' }] });
  });

  it('F2: hosted calls are read from their starts; an unknown block type is a held call (flagged) of unknown shape', () => {
    const { reader, infos } = read([
      named('message_start', { message: MESSAGE }),
      start(0, { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} }), json(0, '{"query":"q"}'), stop(0),
      start(1, { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [{ type: 'web_search_result', title: 't', url: 'https://u.example', encrypted_content: 'e' }] }), stop(1),
      start(2, { type: 'mcp_tool_use', id: 'mcptoolu_1', name: 'get_issue', server_name: 'github', input: { n: 1 } }), stop(2),
      start(3, { type: 'browser_action', id: 'ba_1', input: { navigate: 'https://evil.example' } }), stop(3),
      start(4, { type: 'tool_use', name: 'send_email', input: {} }), json(4, '{}'), stop(4),
      named('message_stop', {}),
    ]);
    expect(infos.map((info) => info.toolCall === true)).toEqual([false, false, false, false, false, false, false, false, true, false, true, true, false, false]);
    expect(reader.view().hostedCalls).toEqual(['web_search', 'mcp:github/get_issue']);
    expect(reader.view().toolCalls).toEqual([
      { id: 'ba_1', name: 'browser_action', arguments: '{"navigate":"https://evil.example"}', unknownShape: true },
      { id: '#4', name: 'send_email', arguments: '{}' },
    ]);
  });

  it('F3: streamed calls without usable ids get their block index as #<index>, as in a JSON answer', () => {
    const { reader } = read([
      named('message_start', { message: MESSAGE }),
      start(0, { type: 'tool_use', name: 'a', input: {} }), stop(0),
      start(1, { type: 'tool_use', id: 5, name: 'b', input: {} }), stop(1),
      start(2, { type: 'tool_use', id: 'dup', name: 'c', input: {} }), stop(2),
      start(3, { type: 'tool_use', id: 'dup', name: 'd', input: {} }), stop(3),
      start(4, { type: 'tool_use', id: 'toolu_ok', name: 'e', input: {} }), stop(4),
      named('message_stop', {}),
    ]);
    expect(reader.view().toolCalls.map((call) => call.id)).toEqual(['#0', '#1', '#2', '#3', 'toolu_ok']);
  });
});
