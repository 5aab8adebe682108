import { withheldResults } from '../../policy/refusal.js';
import { describe, expect, it } from 'vitest';
import { answerLines } from '../../../test/upstream/ollama-wire.js';
import type { BlockedCall } from '../../policy/refusal.js';
import { refusalText } from '../../policy/refusal.js';
import { REMOVED_RESULT_TEXT } from '../openai/encode-refusal.js';
import type { HeldEvent, ResponseView } from '../types.js';
import { fixture } from './__fixtures__/expected.js';
import { ollamaAdapter } from './index.js';

const block = (toolCallId: string, tool = toolCallId): BlockedCall => ({ toolCallId, tool, reason: `"${tool}" was blocked: test` });

/** Splits NDJSON into lines and holds them from the first one the reader flags as a tool call, as the core does. */
function hold(ndjson: string): { passed: string; held: HeldEvent[]; view: ResponseView } {
  const reader = ollamaAdapter.streamReader({ operation: 'chat', injectedUsage: false });
  const held: HeldEvent[] = [];
  let passed = '';
  for (const data of ndjson.split('\n').filter(Boolean)) {
    const info = reader.read({ data });
    if (held.length > 0 || info.toolCall) held.push({ data, encoded: `${data}\n` });
    else passed += `${data}\n`;
  }
  return { passed, held, view: reader.view() };
}

/** What a client makes of a whole stream: the reader's view, and its lines as objects. */
function reassemble(ndjson: string) {
  const reader = ollamaAdapter.streamReader({ operation: 'chat', injectedUsage: false });
  const lines = ndjson.split('\n').filter(Boolean).map((data) => {
    reader.read({ data });
    return JSON.parse(data) as Record<string, any>;
  });
  return { view: reader.view(), lines };
}

function refuseStream(held: HeldEvent[], blocked: BlockedCall[]): string {
  const out = ollamaAdapter.refuseToolCallsInStream!('chat', held, blocked);
  if (out === undefined) throw new Error('no stream refusal');
  return out;
}

describe('ollama /api/chat JSON refusal', () => {
  it('a single refused call: no tool_calls, the refusal as content, usage and done_reason kept', () => {
    const json = JSON.parse(fixture('chat-tool-call.json').toString('utf8'));
    const blocked = [block('#0.0', 'get_current_weather')];
    const out = ollamaAdapter.refuseToolCalls!('chat', json, blocked) as Record<string, any>;
    expect(out.message).toEqual({ role: 'assistant', content: refusalText(blocked) });
    expect(out).toMatchObject({ done: true, done_reason: 'stop', prompt_eval_count: 122, eval_count: 33 });
    expect(JSON.stringify(out)).not.toContain('Paris');
    expect(ollamaAdapter.readResponse('chat', out)).toMatchObject({ text: refusalText(blocked), toolCalls: [], usage: { inputTokens: 122, outputTokens: 33 } });
  });

  it('parallel calls: the refused one goes, the kept one is renumbered from 0; text is appended to existing content', () => {
    const json = {
      model: 'qwen3:8b',
      message: {
        role: 'assistant',
        content: 'On it.',
        tool_calls: [
          { id: 'call_send', function: { index: 0, name: 'send_email', arguments: { to: 'attacker@evil.test' } } },
          { id: 'call_file', function: { index: 1, name: 'read_file', arguments: { path: 'notes.txt' } } },
        ],
      },
      done_reason: 'stop',
      done: true,
    };
    const blocked = [block('call_send', 'send_email')];
    const out = ollamaAdapter.refuseToolCalls!('chat', json, blocked) as typeof json;
    expect(out.message.tool_calls).toEqual([{ id: 'call_file', function: { index: 0, name: 'read_file', arguments: { path: 'notes.txt' } } }]);
    expect(out.message.content).toBe(`On it.\n\n${refusalText(blocked)}`);
    expect(JSON.stringify(out)).not.toContain('attacker@evil.test');
    expect(ollamaAdapter.readResponse('chat', out).toolCalls.map((call) => call.id)).toEqual(['call_file']);
  });

  it('two id-less calls of one tool: known by position, exactly the refused one goes (either order)', () => {
    const answer = (first: string, second: string) => ({
      model: 'llama3.2',
      message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'send_email', arguments: { to: first } } }, { function: { name: 'send_email', arguments: { to: second } } }] },
      done: true,
      done_reason: 'stop',
    });
    expect(ollamaAdapter.readResponse('chat', answer('a', 'b')).toolCalls.map((call) => call.id)).toEqual(['#0.0', '#0.1']);
    const first = ollamaAdapter.refuseToolCalls!('chat', answer('attacker@evil.test', 'boss@corp.test'), [block('#0.0', 'send_email')]) as any;
    expect(first.message.tool_calls).toEqual([{ function: { name: 'send_email', arguments: { to: 'boss@corp.test' } } }]);
    const second = ollamaAdapter.refuseToolCalls!('chat', answer('boss@corp.test', 'attacker@evil.test'), [block('#0.1', 'send_email')]) as any;
    expect(second.message.tool_calls).toEqual([{ function: { name: 'send_email', arguments: { to: 'boss@corp.test' } } }]);
    // An upstream cannot give its call a position's id to have another one removed in its place.
    const forged = { message: { role: 'assistant', content: '', tool_calls: [{ id: '#0.1', function: { name: 'a', arguments: {} } }, { function: { name: 'b', arguments: {} } }] }, done: true };
    expect(ollamaAdapter.readResponse('chat', forged).toolCalls.map((call) => [call.id, call.name])).toEqual([['#0.0', 'a'], ['#0.1', 'b']]);
  });

  it('an answer without the refused call cannot be refused in part (undefined: the whole answer is refused); a done_reason of tool_calls becomes stop when none is left', () => {
    const json = { message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'read_file', arguments: {} } }] }, done: true, done_reason: 'tool_calls' };
    expect(ollamaAdapter.refuseToolCalls!('chat', structuredClone(json), [block('send_email')])).toBeUndefined();
    expect(ollamaAdapter.refuseToolCalls!('chat', structuredClone(json), [block('#0.0', 'read_file'), block('#0.1', 'read_file')])).toBeUndefined();
    expect(ollamaAdapter.refuseToolCalls!('chat', { message: { role: 'assistant', content: 'hi' }, done: true }, [block('#0.0')])).toBeUndefined();
    const out = ollamaAdapter.refuseToolCalls!('chat', json, [block('#0.0', 'read_file')]) as Record<string, any>;
    expect(out.done_reason).toBe('stop');
    expect(out.message.tool_calls).toBeUndefined();
  });
});

describe('ollama /api/chat NDJSON stream refusal', () => {
  it('a single refused call (qwen3 fixture, with thinking first): the thinking went out, the call line is gone, the refusal goes before the done line', () => {
    const { passed, held, view } = hold(fixture('chat-tool-call.ndjson').toString('utf8'));
    expect(passed.split('\n').filter(Boolean)).toHaveLength(17);
    expect(held).toHaveLength(2);
    const blocked = [block(view.toolCalls[0]!.id, 'get_weather')];
    const out = refuseStream(held, blocked);
    expect(out).not.toContain('celsius');
    expect(out).not.toContain('tool_calls');
    const { view: client, lines } = reassemble(passed + out);
    expect(lines.at(-1)).toMatchObject({ done: true, done_reason: 'stop', eval_count: 41 });
    expect(lines.filter((line) => line.done === true)).toHaveLength(1);
    expect(lines.at(-2)).toMatchObject({ model: 'qwen3:8b', message: { role: 'assistant', content: refusalText(blocked) }, done: false });
    expect(client).toMatchObject({ text: refusalText(blocked), toolCalls: [], usage: { inputTokens: 187, outputTokens: 41 }, finishReason: 'stop' });
    // The done line went out as the upstream wrote it.
    expect(out.endsWith(held.at(-1)!.encoded)).toBe(true);
  });

  it('parallel calls across two lines, without ids (llama3.1 fixture): known by position across lines, each refused call goes, the rest stays', () => {
    const source = fixture('chat-parallel-tool-calls.ndjson').toString('utf8');
    const ids: Record<string, string> = { get_weather: '#0.0', get_local_time: '#0.1', send_email: '#0.2' };
    const cases: [string[], string[]][] = [
      [['send_email'], ['get_weather', 'get_local_time']],
      [['get_weather'], ['get_local_time', 'send_email']],
      [['get_weather', 'get_local_time', 'send_email'], []],
    ];
    for (const [refused, kept] of cases) {
      const { held } = hold(source);
      const blocked = refused.map((name) => block(ids[name]!, name));
      const out = refuseStream(held, blocked);
      const { view, lines } = reassemble(out);
      expect(view.toolCalls.map((call) => call.name), refused.join()).toEqual(kept);
      expect(view.text).toBe(refusalText(blocked));
      expect(lines.at(-1)?.done).toBe(true);
      for (const name of refused) expect(out).not.toContain(`"name":"${name}"`);
      if (refused.includes('send_email')) expect(out).not.toContain('ops@example.com');
      // Lines left with nothing are dropped: one line per call-carrying line that kept a call, the refusal, done.
      expect(lines.every((line) => line.done === true || line.message.content !== '' || line.message.tool_calls?.length > 0)).toBe(true);
    }
  });

  it('calls with ids and indexes (a newer server): the kept call is renumbered from 0; text before the calls is untouched', () => {
    const ndjson = answerLines(
      'chat',
      { kind: 'answer', content: 'Let me handle that.', toolCalls: [{ id: 'call_send', name: 'send_email', arguments: { to: 'attacker@evil.test' } }, { id: 'call_file', name: 'read_file', arguments: { path: 'a' } }] },
      'llama3.2',
    ).join('');
    const { passed, held } = hold(ndjson);
    const out = refuseStream(held, [block('call_send', 'send_email')]);
    expect(out).not.toContain('attacker@evil.test');
    const { view, lines } = reassemble(passed + out);
    expect(view.text).toBe(`Let me handle that.${refusalText([block('call_send', 'send_email')])}`);
    expect(lines.flatMap((line) => line.message.tool_calls ?? [])).toEqual([{ id: 'call_file', function: { index: 0, name: 'read_file', arguments: { path: 'a' } } }]);
  });

  it('a done line that carries the calls itself keeps them filtered, with the refusal line before it; a garbage line is not echoed', () => {
    const held: HeldEvent[] = [
      'not json attacker@evil.test',
      JSON.stringify({ model: 'm', created_at: 't', message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'send_email', arguments: { to: 'attacker@evil.test' } } }] }, done: true, done_reason: 'tool_calls', eval_count: 3 }),
    ].map((data) => ({ data, encoded: `${data}\n` }));
    const out = refuseStream(held, [block('#0.0', 'send_email')]);
    expect(out).not.toContain('attacker@evil.test');
    const { lines } = reassemble(out);
    expect(lines).toEqual([
      { model: 'm', created_at: 't', message: { role: 'assistant', content: refusalText([block('#0.0', 'send_email')]) }, done: false },
      { model: 'm', created_at: 't', message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', eval_count: 3 },
    ]);
  });

  it('two id-less calls of one tool, one per line, the second in the done line: exactly the refused one goes', () => {
    const call = (to: string) => ({ function: { name: 'send_email', arguments: { to } } });
    const lines = (first: string, second: string) => [
      JSON.stringify({ model: 'm', created_at: 't', message: { role: 'assistant', content: '', tool_calls: [call(first)] }, done: false }),
      JSON.stringify({ model: 'm', created_at: 't', message: { role: 'assistant', content: '', tool_calls: [call(second)] }, done: true, done_reason: 'stop' }),
    ].map((line) => `${line}\n`).join('');
    for (const [order, refused] of [[['attacker@evil.test', 'boss@corp.test'], '#0.0'], [['boss@corp.test', 'attacker@evil.test'], '#0.1']] as const) {
      const { held, view } = hold(lines(order[0], order[1]));
      expect(view.toolCalls.map((c) => c.id)).toEqual(['#0.0', '#0.1']);
      const out = refuseStream(held, [block(refused, 'send_email')]);
      expect(out).not.toContain('attacker@evil.test');
      const after = reassemble(out);
      expect(after.view.toolCalls.map((c) => c.arguments)).toEqual(['{"to":"boss@corp.test"}']);
      expect(after.lines.at(-1)?.done).toBe(true);
    }
  });

  it('one id on two lines (a call repeated, as the ollama client hands both over): the second is known by its position', () => {
    const line = (to: string, done: boolean) => `${JSON.stringify({ model: 'm', message: { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', function: { name: 'send_email', arguments: { to } } }] }, done })}\n`;
    const { held, view } = hold(line('boss@corp.test', false) + line('attacker@evil.test', false) + `${JSON.stringify({ model: 'm', message: { role: 'assistant', content: '' }, done: true })}\n`);
    expect(view.toolCalls.map((c) => [c.id, c.arguments])).toEqual([['call_1', '{"to":"boss@corp.test"}'], ['#0.1', '{"to":"attacker@evil.test"}']]);
    const out = refuseStream(held, [block('#0.1', 'send_email')]);
    expect(out).not.toContain('attacker@evil.test');
    expect(reassemble(out).view.toolCalls).toEqual([{ id: 'call_1', name: 'send_email', arguments: '{"to":"boss@corp.test"}' }]);
  });

  it('an entry without a function object is a call of unknown shape; refusing it removes exactly it', () => {
    const ndjson = `${JSON.stringify({ model: 'm', message: { role: 'assistant', content: '', tool_calls: [{ type: 'web_fetch', url: 'https://evil.test' }, { function: { name: 'read_file', arguments: { path: 'a' } } }] }, done: true })}\n`;
    const { held, view } = hold(ndjson);
    expect(view.toolCalls).toEqual([
      { id: '#0.0', name: 'web_fetch', arguments: '{"type":"web_fetch","url":"https://evil.test"}', unknownShape: true },
      { id: '#0.1', name: 'read_file', arguments: '{"path":"a"}' },
    ]);
    const out = refuseStream(held, [block('#0.0', 'web_fetch')]);
    expect(out).not.toContain('evil.test');
    expect(reassemble(out).view.toolCalls.map((c) => c.name)).toEqual(['read_file']);
  });

  it('fails closed (undefined) when a refused call is not in the held lines', () => {
    const { held } = hold(`${JSON.stringify({ model: 'm', message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'f', arguments: {} } }] }, done: true })}\n`);
    expect(ollamaAdapter.refuseToolCallsInStream!('chat', held, [block('f')])).toBeUndefined();
    expect(ollamaAdapter.refuseToolCallsInStream!('chat', held, [block('#0.0', 'f'), block('#0.1', 'f')])).toBeUndefined();
  });

  it('the reader flags the lines with calls (and only those); the adapter says so', () => {
    expect(ollamaAdapter.flagsToolCallEvents).toBe(true);
    const reader = ollamaAdapter.streamReader({ operation: 'chat', injectedUsage: false });
    expect(reader.read({ data: '{"message":{"role":"assistant","content":"x"},"done":false}' })).toEqual({});
    expect(reader.read({ data: '{"message":{"role":"assistant","content":"","tool_calls":[]},"done":false}' })).toEqual({});
    expect(reader.read({ data: '{"message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"f","arguments":{}}}]},"done":false}' })).toEqual({ toolCall: true });
    expect(reader.read({ data: '{"message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"g","arguments":{}}}]},"done":true}' })).toEqual({ toolCall: true, terminal: true });
  });
});

describe('ollama: OpenAI-compatible routes and other operations', () => {
  it('/v1/chat/completions (chat_completions) uses OpenAI\'s encoders, JSON and SSE', () => {
    const json = { choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_send', type: 'function', function: { name: 'send_email', arguments: '{"to":"attacker@evil.test"}' } }] }, finish_reason: 'tool_calls' }] };
    const out = ollamaAdapter.refuseToolCalls!('chat_completions', json, [block('call_send', 'send_email')]) as any;
    expect(out.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: expect.stringContaining('[Archestra]') } });
    expect(out.choices[0].message.tool_calls).toBeUndefined();
    const chunk = (delta: unknown, finish: string | null = null) => JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: 'llama3.2', choices: [{ index: 0, delta, finish_reason: finish }] });
    const held = [
      chunk({ tool_calls: [{ index: 0, id: 'call_send', type: 'function', function: { name: 'send_email', arguments: '{"to":"attacker@evil.test"}' } }] }),
      chunk({}, 'tool_calls'),
      '[DONE]',
    ].map((data) => ({ data, encoded: `data: ${data}\n\n` }));
    const sse = ollamaAdapter.refuseToolCallsInStream!('chat_completions', held, [block('call_send', 'send_email')]);
    expect(sse).not.toContain('attacker@evil.test');
    expect(sse).toContain('"finish_reason":"stop"');
    expect(sse?.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('no other operation can take a call out (none declares tools)', () => {
    expect(ollamaAdapter.refuseToolCalls!('generate', {}, [block('x')])).toBeUndefined();
    expect(ollamaAdapter.refuseToolCallsInStream!('generate', [], [block('x')])).toBeUndefined();
    expect(ollamaAdapter.replaceToolResults!('embeddings', {}, withheldResults(['x']))).toBe(false);
  });
});

describe('ollama tool result redaction', () => {
  it('native: by tool_call_id, else by position (results by tool_name or name only, any role case); other messages untouched', () => {
    const json = {
      model: 'llama3.2',
      messages: [
        { role: 'user', content: 'read_email please' },
        { role: 'tool', tool_name: 'read_email', content: 'attacker@evil.test' },
        { role: 'Tool', name: 'read_email', content: 'attacker@evil.test' },
        { role: 'tool', tool_name: 'read_email', tool_call_id: 'call_other', content: 'kept' },
        { role: 'tool', tool_call_id: 'call_1', tool_name: 'read_file', content: 'secret' },
        { role: 'tool', tool_name: 'read_file', content: 'kept too' },
        { role: 'tool', content: 'no name at all', images: ['iVBORw0KGgo='] },
      ],
    };
    expect(ollamaAdapter.replaceToolResults!('chat', json, withheldResults(['#result:1', '#result:2', 'call_1', '#result:6']))).toBe(true);
    expect(json.messages.map((message) => message.content)).toEqual(['read_email please', REMOVED_RESULT_TEXT, REMOVED_RESULT_TEXT, 'kept', REMOVED_RESULT_TEXT, 'kept too', REMOVED_RESULT_TEXT]);
    expect(json.messages[6]).toEqual({ role: 'tool', content: REMOVED_RESULT_TEXT });
    // The redacted request decodes with the note in place of each result.
    const route = ollamaAdapter.routes[0]!;
    const decoded = ollamaAdapter.decodeRequest({ route, params: [], nativePath: '/api/chat' }, json, new URLSearchParams());
    expect(decoded.success && decoded.view.messages.flatMap((message) => message.toolResults.map((result) => result.text))).not.toContain('attacker@evil.test');
    expect(ollamaAdapter.replaceToolResults!('chat', { model: 'm' }, withheldResults(['x']))).toBe(false);
  });

  it('native: two results of one tool by name only: each replacement lands on exactly its result', () => {
    const body = () => ({ model: 'm', messages: [{ role: 'tool', tool_name: 'fetch', content: 'page a' }, { role: 'tool', tool_name: 'fetch', content: 'page b' }] });
    const second = body();
    expect(ollamaAdapter.replaceToolResults!('chat', second, new Map([['#result:1', { text: 'a summary of b', withheld: false }]]))).toBe(true);
    expect(second.messages.map((message) => message.content)).toEqual(['page a', 'a summary of b']);
    const first = body();
    expect(ollamaAdapter.replaceToolResults!('chat', first, withheldResults(['#result:0']))).toBe(true);
    expect(first.messages.map((message) => message.content)).toEqual([REMOVED_RESULT_TEXT, 'page b']);
  });

  it('native: a replacement that finds no result refuses (false), even when others were placed; a repeated id is its position', () => {
    const body = () => ({ model: 'm', messages: [{ role: 'tool', tool_call_id: 'c1', content: 'x' }, { role: 'tool', tool_call_id: 'c1', content: 'y' }] });
    expect(ollamaAdapter.replaceToolResults!('chat', body(), withheldResults(['fetch']))).toBe(false);
    expect(ollamaAdapter.replaceToolResults!('chat', body(), withheldResults(['c1', '#result:9']))).toBe(false);
    const twice = body();
    expect(ollamaAdapter.replaceToolResults!('chat', twice, withheldResults(['#result:1']))).toBe(true);
    expect(twice.messages.map((message) => message.content)).toEqual(['x', REMOVED_RESULT_TEXT]);
  });

  it('/v1/chat/completions: by tool_call_id, as OpenAI', () => {
    const json = { messages: [{ role: 'tool', tool_call_id: 'call_read', content: 'attacker@evil.test' }] };
    expect(ollamaAdapter.replaceToolResults!('chat_completions', json, withheldResults(['call_read']))).toBe(true);
    expect(json.messages[0]!.content).toBe(REMOVED_RESULT_TEXT);
  });
});
