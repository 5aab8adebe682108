import { describe, expect, it } from 'vitest';
import { anthropicStreamTranslator, fromAnthropicMessage } from './anthropic-answer.js';
import { ANTHROPIC_DEFAULT_MAX_TOKENS, toAnthropicRequest } from './anthropic-request.js';
import { resolveModel } from './deployments.js';
import { fromGeminiResponse, geminiStreamTranslator } from './gemini-answer.js';
import { toGeminiRequest } from './gemini-request.js';
import { TranslateError } from './translate-error.js';

const call = (id: string, name: string, args: object) => ({ id, type: 'function', function: { name, arguments: JSON.stringify(args) } });
/** The JSON of each `data:` event the translator emitted. */
const dataOf = (events: string[]) => events.map((event) => event.replace(/^data: /, '').trim()).map((data) => (data === '[DONE]' ? data : JSON.parse(data)));

describe('resolveModel', () => {
  const routable = ['openai', 'anthropic', 'gemini', 'ollama'] as const;
  it('reads <provider>:<model>, splitting at the first colon only', () => {
    expect(resolveModel('ollama:llama3.2:3b', {}, routable)).toEqual({ success: true, alias: null, deployments: [{ provider: 'ollama', model: 'llama3.2:3b' }] });
  });
  it('an alias names one deployment or several, in order', () => {
    expect(resolveModel('smart', { smart: ['openai:gpt-4o', 'anthropic:claude-sonnet-4-6'] }, routable)).toEqual({ success: true, alias: 'smart', deployments: [{ provider: 'openai', model: 'gpt-4o' }, { provider: 'anthropic', model: 'claude-sonnet-4-6' }] });
  });
  it('refuses a bare model, an unknown provider, and an inherited property name', () => {
    expect(resolveModel('gpt-4o', {}, routable)).toMatchObject({ success: false, message: expect.stringContaining('neither') });
    expect(resolveModel('groq:llama', {}, routable)).toMatchObject({ success: false, message: expect.stringContaining('"groq"') });
    expect(resolveModel('constructor', {}, routable)).toMatchObject({ success: false });
  });
});

describe('OpenAI -> Anthropic request', () => {
  it('merges consecutive tool results into one user turn, maps tool choice and serial calls, defaults max_tokens', () => {
    const body = toAnthropicRequest(
      {
        model: 'x',
        messages: [
          { role: 'developer', content: [{ type: 'text', text: 'Be brief.' }] },
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: null, tool_calls: [call('a', 'f', { x: 1 }), call('b', 'g', {})] },
          { role: 'tool', tool_call_id: 'a', content: 'one' },
          { role: 'tool', tool_call_id: 'b', content: [{ type: 'text', text: 'two' }] },
        ],
        tool_choice: { type: 'function', function: { name: 'f' } },
        parallel_tool_calls: false,
        temperature: 1.5,
      },
      'claude-x',
    );
    expect(body).toMatchObject({ model: 'claude-x', max_tokens: ANTHROPIC_DEFAULT_MAX_TOKENS, system: 'Be brief.', temperature: 1, tool_choice: { type: 'tool', name: 'f', disable_parallel_tool_use: true } });
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'f', input: { x: 1 } }, { type: 'tool_use', id: 'b', name: 'g', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: 'one' }, { type: 'tool_result', tool_use_id: 'b', content: 'two' }] },
    ]);
  });
  it('refuses what it cannot express: arguments that are not a JSON object, audio parts, legacy functions', () => {
    const bad = (messages: unknown[], extra = {}) => () => toAnthropicRequest({ model: 'x', messages, ...extra }, 'c');
    expect(bad([{ role: 'assistant', tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '[1]' } }] }])).toThrow(TranslateError);
    expect(bad([{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }])).toThrow(/input_audio/);
    expect(bad([], { functions: [{ name: 'f' }] })).toThrow(/legacy/);
  });
});

describe('Anthropic -> OpenAI answer', () => {
  it('keeps text and tool calls, drops thinking, counts cache reads and writes into the prompt', () => {
    const answer = fromAnthropicMessage({
      id: 'msg_1', model: 'claude-x', stop_reason: 'tool_use',
      content: [{ type: 'thinking', thinking: 'hmm', signature: 's' }, { type: 'text', text: 'On it.' }, { type: 'tool_use', id: 't1', name: 'f', input: { a: 1 } }],
      usage: { input_tokens: 5, output_tokens: 7, cache_read_input_tokens: 3, cache_creation_input_tokens: 2 },
    });
    expect(answer).toMatchObject({ id: 'msg_1', model: 'claude-x', choices: [{ finish_reason: 'tool_calls', message: { content: 'On it.', tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] } }], usage: { prompt_tokens: 10, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 3, cache_write_tokens: 2 } } });
  });
  it('a stream: tool input pieces land on the call by its block index; usage and [DONE] at message_stop', () => {
    const translator = anthropicStreamTranslator();
    const events = [
      { type: 'message_start', message: { id: 'm', model: 'c', usage: { input_tokens: 4, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 't', name: 'f', input: {} } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a"' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: ':1}' } },
      { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 6 } },
      { type: 'message_stop' },
    ].flatMap((event) => translator.event({ data: JSON.stringify(event) }));
    const data = dataOf([...events, ...translator.end()]);
    expect(data.map((chunk) => (chunk === '[DONE]' ? chunk : (chunk.choices[0]?.delta ?? chunk.usage)))).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Hi' },
      { tool_calls: [{ index: 0, id: 't', type: 'function', function: { name: 'f', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"a"' } }] },
      { tool_calls: [{ index: 0, function: { arguments: ':1}' } }] },
      {},
      { prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 },
      '[DONE]',
    ]);
    expect(data[5].choices[0].finish_reason).toBe('tool_calls');
  });
  it('a delta for a block it never saw start is refused', () => {
    const translator = anthropicStreamTranslator();
    expect(() => translator.event({ data: JSON.stringify({ type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '{}' } }) })).toThrow(TranslateError);
  });
});

describe('OpenAI <-> Gemini', () => {
  it('a tool result is answered by the name of the call it answers; one naming no call is refused', () => {
    const messages = [{ role: 'assistant', tool_calls: [call('c1', 'lookup', { q: 'x' })] }, { role: 'tool', tool_call_id: 'c1', content: 'found' }];
    expect(toGeminiRequest({ messages }).contents).toEqual([
      { role: 'model', parts: [{ functionCall: { name: 'lookup', args: { q: 'x' } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'lookup', response: { content: 'found' } } }] },
    ]);
    expect(() => toGeminiRequest({ messages: [{ role: 'tool', tool_call_id: 'nope', content: 'x' }] })).toThrow(/names no tool call/);
  });
  it('response_format json_schema becomes a response schema', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    expect(toGeminiRequest({ messages: [], response_format: { type: 'json_schema', json_schema: { name: 's', schema } } }).generationConfig).toEqual({ responseMimeType: 'application/json', responseJsonSchema: schema });
  });
  it('a prompt blocked before any candidate is an empty, filtered answer; a thought is left out', () => {
    expect(fromGeminiResponse({ promptFeedback: { blockReason: 'SAFETY' } })).toMatchObject({ choices: [{ finish_reason: 'content_filter', message: { content: '' } }] });
    expect(fromGeminiResponse({ candidates: [{ content: { parts: [{ text: 'thinking...', thought: true }, { text: 'answer' }] }, finishReason: 'MAX_TOKENS' }] })).toMatchObject({ choices: [{ finish_reason: 'length', message: { content: 'answer' } }] });
  });
  it('several candidates are refused: the router asks for one', () => {
    expect(() => fromGeminiResponse({ candidates: [{}, {}] })).toThrow(/several candidates/);
  });
  it('a stream: each function call whole in one delta, numbered across chunks; the end needs a finish reason', () => {
    const translator = geminiStreamTranslator();
    const chunk = (parts: object[], finishReason?: string) => ({ data: JSON.stringify({ responseId: 'r', candidates: [{ content: { parts }, ...(finishReason ? { finishReason } : {}) }] }) });
    const events = [...translator.event(chunk([{ functionCall: { name: 'a', args: {} } }])), ...translator.event(chunk([{ functionCall: { name: 'b', args: { x: 1 } } }], 'STOP')), ...translator.end()];
    const data = dataOf(events);
    expect(data[1].choices[0].delta.tool_calls).toEqual([{ index: 0, id: 'call_r_0', type: 'function', function: { name: 'a', arguments: '{}' } }]);
    expect(data[2].choices[0].delta.tool_calls[0]).toMatchObject({ index: 1, id: 'call_r_1' });
    expect(data[3].choices[0].finish_reason).toBe('tool_calls');
    expect(data.at(-1)).toBe('[DONE]');
    const cut = geminiStreamTranslator();
    cut.event(chunk([{ text: 'partial' }]));
    expect(() => cut.end()).toThrow(/without saying why it finished/);
  });
});

describe('ROUTER_TARGETS', () => {
  it('Gemini: the model in the path, with or without its models/ prefix; alt=sse for a stream', async () => {
    const { ROUTER_TARGETS } = await import('./targets.js');
    expect(ROUTER_TARGETS.gemini!.path('models/gemini-2.5-flash', true)).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(ROUTER_TARGETS.gemini!.path('gemini-2.5-flash', false)).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(ROUTER_TARGETS.ollama!.path('llama3.2:3b', false)).toBe('/v1/chat/completions');
  });
});
