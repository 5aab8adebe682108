import { describe, expect, it } from 'vitest';
import { routeNative } from '../../pipeline/route.js';
import type { DecodeResult, RequestView } from '../types.js';
import { ollamaAdapter } from './index.js';

/** Decodes `json` as a request to `method path`, routed as the core routes it. */
function decode(path: string, json: unknown, method = 'POST'): DecodeResult {
  const route = routeNative(ollamaAdapter, method, path.split('/').slice(1), 'default');
  if (route.kind !== 'match') throw new Error(`no route for ${method} ${path}`);
  return ollamaAdapter.decodeRequest(route.match, json, new URLSearchParams());
}

function view(path: string, json: unknown): RequestView {
  const result = decode(path, json);
  if (!result.success) throw new Error(`refused: ${result.message}`);
  return result.view;
}

const weatherTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

describe('ollama request decode: /api/chat', () => {
  it('messages keep their role, text and position; tool calls, tool results and tool definitions are normalized', () => {
    const body = {
      model: 'llama3.1:8b',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Weather in Zürich and Paris?', images: ['iVBORw0KGgo='] },
        {
          role: 'assistant',
          content: '',
          tool_calls: [
            { function: { name: 'get_weather', arguments: { city: 'Zürich' } } },
            { id: 'call_p4r1s', function: { index: 1, name: 'get_weather', arguments: { city: 'Paris' } } },
            { function: { arguments: {} } },
          ],
        },
        { role: 'tool', content: '21 °C, sunny', tool_name: 'get_weather' },
        { role: 'tool', content: '17 °C, rain', tool_name: 'get_weather', tool_call_id: 'call_p4r1s' },
        { role: 'User', content: 'Thanks!' },
      ],
      tools: [weatherTool, { type: 'function', function: { description: 'nameless' } }],
    };
    expect(view('/api/chat', body)).toEqual({
      model: 'llama3.1:8b',
      stream: true,
      messages: [
        { index: 0, role: 'system', text: 'You are terse.', toolCalls: [], toolResults: [] },
        { index: 1, role: 'user', text: 'Weather in Zürich and Paris?', toolCalls: [], toolResults: [] },
        {
          index: 2,
          role: 'assistant',
          text: '',
          toolCalls: [
            { id: '#call:2.0', name: 'get_weather', arguments: '{"city":"Zürich"}' },
            { id: 'call_p4r1s', name: 'get_weather', arguments: '{"city":"Paris"}' },
            { id: '#call:2.2', name: '', arguments: '{}' },
          ],
          toolResults: [],
        },
        { index: 3, role: 'tool', text: '', toolCalls: [], toolResults: [{ toolCallId: '#result:3', name: 'get_weather', text: '21 °C, sunny' }] },
        { index: 4, role: 'tool', text: '', toolCalls: [], toolResults: [{ toolCallId: 'call_p4r1s', name: 'get_weather', text: '17 °C, rain' }] },
        { index: 5, role: 'user', text: 'Thanks!', toolCalls: [], toolResults: [] },
      ],
      tools: [{ name: 'get_weather', description: 'Weather in a city', parameters: weatherTool.function.parameters }],
    });
  });

  it('stream defaults to true: absent or null streams, only `false` does not', () => {
    const base = { model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] };
    expect(view('/api/chat', base).stream).toBe(true);
    expect(view('/api/chat', { ...base, stream: null }).stream).toBe(true);
    expect(view('/api/chat', { ...base, stream: true }).stream).toBe(true);
    expect(view('/api/chat', { ...base, stream: false }).stream).toBe(false);
  });

  it('tool call arguments sent as JSON text are kept as they are; calls without ids are known by message and position', () => {
    const result = view('/api/chat', {
      model: 'm',
      messages: [
        { role: 'assistant', tool_calls: [{ function: { arguments: { a: 1 } } }] },
        { role: 'assistant', content: null, tool_calls: [{ function: { name: 'f', arguments: '{"raw": true}' } }, { function: {} }] },
      ],
    });
    expect(result.messages.map((message) => message.toolCalls)).toEqual([
      [{ id: '#call:0.0', name: '', arguments: '{"a":1}' }],
      [{ id: '#call:1.0', name: 'f', arguments: '{"raw": true}' }, { id: '#call:1.1', name: '', arguments: '' }],
    ]);
  });

  it('results by tool_name only, by nothing, twice the same tool, a repeated tool_call_id: each its own id', () => {
    const result = view('/api/chat', {
      model: 'm',
      messages: [
        { role: 'assistant', content: '', tool_calls: [{ function: { name: 'fetch', arguments: {} } }, { function: { name: 'fetch', arguments: {} } }] },
        { role: 'tool', tool_name: 'fetch', content: 'page a' },
        { role: 'tool', tool_name: 'fetch', content: 'page b' },
        { role: 'tool', content: 'anonymous' },
        { role: 'tool', tool_call_id: 'c1', content: 'x' },
        { role: 'tool', tool_call_id: 'c1', content: 'y' },
        { role: 'tool', tool_call_id: '#result:1', content: 'a forged position' },
      ],
    });
    expect(result.messages.flatMap((message) => message.toolResults.map((r) => r.toolCallId))).toEqual(['#result:1', '#result:2', '#result:3', 'c1', '#result:5', '#result:6']);
  });

  it('an entry of tool_calls without a function object is a call of unknown shape, named by its type', () => {
    const result = view('/api/chat', { model: 'm', messages: [{ role: 'assistant', content: '', tool_calls: [{ type: 'web_search', query: 'x' }, 'junk'] }] });
    expect(result.messages[0]!.toolCalls).toEqual([
      { id: '#call:0.0', name: 'web_search', arguments: '{"type":"web_search","query":"x"}', unknownShape: true },
      { id: '#call:0.1', name: 'tool_call', arguments: '"junk"', unknownShape: true },
    ]);
  });

  it('no messages (loading a model) is a request with no messages', () => {
    expect(view('/api/chat', { model: 'llama3.2' })).toEqual({ model: 'llama3.2', stream: true, messages: [], tools: [] });
    expect(view('/api/chat', { model: 'llama3.2', messages: null, tools: null }).messages).toEqual([]);
  });

  it.each([
    ['not an object', [], undefined],
    ['no model', { messages: [] }, 'model'],
    ['empty model', { model: '', messages: [] }, 'model'],
    ['stream not a boolean', { model: 'm', stream: 'yes' }, 'stream'],
    ['messages not an array', { model: 'm', messages: { role: 'user' } }, 'messages'],
    ['unknown role', { model: 'm', messages: [{ role: 'developer', content: 'x' }] }, 'messages[0]'],
    ['message not an object', { model: 'm', messages: ['hi'] }, 'messages[0]'],
    ['content not a string', { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] }, 'messages[0].content'],
    ['tools not an array', { model: 'm', tools: {} }, 'tools'],
  ])('refuses %s', (_name, body, param) => {
    const result = decode('/api/chat', body);
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(result.message).toEqual(expect.any(String));
      expect(result.param).toBe(param);
    }
  });
});

describe('ollama request decode: /api/generate, /api/embed, /api/show', () => {
  it('generate: system and prompt (and suffix) become messages in order; stream defaults to true', () => {
    expect(view('/api/generate', { model: 'codellama:code', system: 'Complete code.', prompt: 'def gcd(a, b):', suffix: '    return result' })).toEqual({
      model: 'codellama:code',
      stream: true,
      messages: [
        { index: 0, role: 'system', text: 'Complete code.', toolCalls: [], toolResults: [] },
        { index: 1, role: 'user', text: 'def gcd(a, b):', toolCalls: [], toolResults: [] },
        { index: 2, role: 'user', text: '    return result', toolCalls: [], toolResults: [] },
      ],
      tools: [],
    });
    expect(view('/api/generate', { model: 'llama3.2', prompt: 'Why?', stream: false })).toMatchObject({
      stream: false,
      messages: [{ index: 0, role: 'user', text: 'Why?' }],
    });
    expect(view('/api/generate', { model: 'llama3.2' }).messages).toEqual([]);
  });

  it('generate refuses a prompt or system that is not text', () => {
    for (const body of [{ model: 'm', prompt: ['a'] }, { model: 'm', system: 1 }, { model: 'm', prompt: 'x', stream: 0 }, { prompt: 'x' }]) {
      expect(decode('/api/generate', body).success, JSON.stringify(body)).toBe(false);
    }
  });

  it('embed: each input is a user message; never a stream', () => {
    expect(view('/api/embed', { model: 'all-minilm', input: ['first text', 'second ✓'] })).toEqual({
      model: 'all-minilm',
      stream: false,
      messages: [
        { index: 0, role: 'user', text: 'first text', toolCalls: [], toolResults: [] },
        { index: 1, role: 'user', text: 'second ✓', toolCalls: [], toolResults: [] },
      ],
      tools: [],
    });
    expect(view('/api/embed', { model: 'all-minilm', input: 'one' }).messages).toHaveLength(1);
    expect(decode('/api/embed', { model: 'all-minilm', input: [1, 2] }).success).toBe(false);
  });

  it('show: the model (or the deprecated `name`) is all there is', () => {
    expect(view('/api/show', { model: 'llama3.2' })).toEqual({ model: 'llama3.2', stream: false, messages: [], tools: [] });
    expect(view('/api/show', { name: 'llama3.2:latest' }).model).toBe('llama3.2:latest');
    expect(decode('/api/show', {}).success).toBe(false);
  });
});

describe('ollama request decode: OpenAI-compatible /v1/chat/completions', () => {
  it('decodes as OpenAI Chat Completions: tool_call_id, string arguments, stream defaults to false', () => {
    expect(
      view('/v1/chat/completions', {
        model: 'llama3.2',
        messages: [
          { role: 'developer', content: 'Be brief.' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Zürich"}' } }] },
          { role: 'tool', tool_call_id: 'call_1', content: '21 °C' },
        ],
        tools: [weatherTool],
      }),
    ).toEqual({
      model: 'llama3.2',
      stream: false,
      messages: [
        { index: 0, role: 'system', text: 'Be brief.', toolCalls: [], toolResults: [] },
        { index: 1, role: 'assistant', text: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Zürich"}' }], toolResults: [] },
        { index: 2, role: 'tool', text: '', toolCalls: [], toolResults: [{ toolCallId: 'call_1', text: '21 °C' }] },
      ],
      tools: [{ name: 'get_weather', description: 'Weather in a city', parameters: weatherTool.function.parameters }],
    });
    expect(decode('/v1/chat/completions', { model: 'llama3.2' }).success).toBe(false);
  });

  it('asks a streaming request for usage (OpenAI style) and never a native one', () => {
    const compat: Record<string, unknown> = { model: 'llama3.2', messages: [], stream: true };
    expect(ollamaAdapter.requestStreamUsage('chat_completions', compat)).toBe(true);
    expect(compat.stream_options).toEqual({ include_usage: true });
    const native: Record<string, unknown> = { model: 'llama3.2', messages: [] };
    expect(ollamaAdapter.requestStreamUsage('chat', native)).toBe(false);
    expect(native).toEqual({ model: 'llama3.2', messages: [] });
  });
});
