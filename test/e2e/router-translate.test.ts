/**
 * Issue 19.4, the model router, end to end: the openai SDK at `/router` with
 * `model: "<provider>:<model>"` against scripted Anthropic and Gemini upstreams speaking their own
 * wire formats. The request reaches each in its own format (system, tools, tool calls and results,
 * images), the answer comes back as OpenAI's (text, tool calls, usage, finish reason), JSON and
 * stream alike, and the row names the provider and model that answered.
 */
import type OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Proxy } from '../../src/index.js';
import { auditRows, rawRequest } from '../helpers/proxy.js';
import { ANTHROPIC_KEY, GEMINI_KEY, type RouterUpstreams, routerClient, startRouterUpstreams } from '../helpers/router.js';

const PIXEL = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const WEATHER: OpenAI.ChatCompletionTool = { type: 'function', function: { name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

/** A conversation with every kind of content: system, an image, a tool call and its result. */
const CONVERSATION: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: [{ type: 'text', text: 'What is in this picture, and the weather in Paris?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PIXEL}` } }] },
  { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
  { role: 'tool', tool_call_id: 'call_1', content: 'Sunny, 21C' },
];

let up: RouterUpstreams;
let client: OpenAI;
let proxy: Proxy;
let key: string;

beforeAll(async () => {
  up = await startRouterUpstreams();
  ({ client, proxy, key } = await routerClient(up, { models: { smart: 'anthropic:claude-sonnet-4-6', quick: 'gemini:gemini-2.5-flash' } }));
});
afterAll(async () => {
  await proxy.close();
  await up.close();
});
beforeEach(() => {
  up.anthropic.reset();
  up.gemini.reset();
  up.openai.reset();
});

const lastRow = async () => (await auditRows(proxy)).at(-1)!;

describe('OpenAI -> Anthropic Messages', () => {
  it('translates system, image, tool call and result, tools and tool choice; the answer text and usage come back as OpenAI', async () => {
    up.anthropic.reply({ kind: 'message', text: 'A pixel. Sunny in Paris.', usage: { input_tokens: 30, output_tokens: 8, cache_read_input_tokens: 10, cache_creation_input_tokens: 5 } });
    const completion = await client.chat.completions.create({ model: 'anthropic:claude-sonnet-4-6', messages: CONVERSATION, tools: [WEATHER], tool_choice: 'auto', max_tokens: 100, stop: 'END' });
    const sent = up.anthropic.requests[0]!;
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.json).toEqual({
      model: 'claude-sonnet-4-6',
      max_tokens: 100,
      system: 'You are terse.',
      stop_sequences: ['END'],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'What is in this picture, and the weather in Paris?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PIXEL } }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'Sunny, 21C' }] },
      ],
      tools: [{ name: 'get_weather', description: 'Weather by city', input_schema: WEATHER.function.parameters }],
      tool_choice: { type: 'auto' },
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]!.message.content).toBe('A pixel. Sunny in Paris.');
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 45, completion_tokens: 8, total_tokens: 53, prompt_tokens_details: { cached_tokens: 10, cache_write_tokens: 5 } });
    expect(await lastRow()).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4-6', operation: 'chat', status: 200, outcome: 'ok', inputTokens: 45, outputTokens: 8, cacheReadTokens: 10, cacheWriteTokens: 5, costUsd: expect.any(Number), attemptOf: null });
  });

  it('usage costs what the same usage costs when Anthropic is called directly (cache reads and writes priced as such)', async () => {
    const usage = { input_tokens: 1000, output_tokens: 200, cache_read_input_tokens: 4000, cache_creation_input_tokens: 3000 };
    up.anthropic.reply({ kind: 'message', text: 'ok', usage });
    await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] });
    const routed = await lastRow();
    const direct = await proxy.handle(rawRequest('/anthropic/v1/messages', { body: { model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01' } }));
    expect(direct.status).toBe(200);
    await direct.text();
    const native = await lastRow();
    expect(native.provider).toBe('anthropic');
    expect(routed.costUsd).toEqual(expect.any(Number));
    expect(routed.costUsd).toBeCloseTo(native.costUsd!, 12);
  });

  it('a tool call comes back as an OpenAI tool call, JSON and stream', async () => {
    const toolCalls = [{ id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } }];
    up.anthropic.reply({ kind: 'message', text: 'Let me check.', toolCalls });
    const json = await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'Weather in Oslo?' }], tools: [WEATHER] });
    expect(json.choices[0]!.finish_reason).toBe('tool_calls');
    expect(json.choices[0]!.message.tool_calls).toEqual([{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }]);
    const stream = client.chat.completions.stream({ model: 'smart', messages: [{ role: 'user', content: 'Weather in Oslo?' }], tools: [WEATHER], stream_options: { include_usage: true } });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('Let me check.');
    expect(final.choices[0]!.message.tool_calls).toEqual([{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }]);
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(final.usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 9 });
    expect(up.anthropic.requests[1]!.json.stream).toBe(true);
    expect(await lastRow()).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4-6', stream: true, status: 200, outcome: 'ok', inputTokens: 14, outputTokens: 9 });
  });

  it('a streamed answer arrives event by event as OpenAI chunks, thinking left out, usage hidden unless asked', async () => {
    up.anthropic.reply({ kind: 'message', thinking: 'hmm', text: 'one two three' }, { splitBytes: 13 });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of await client.chat.completions.create({ model: 'anthropic:claude-sonnet-4-6', messages: [{ role: 'user', content: 'count' }], stream: true })) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('one two three');
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta.content).length).toBeGreaterThan(1);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
    expect(await lastRow()).toMatchObject({ provider: 'anthropic', inputTokens: 14, outputTokens: 9, outcome: 'ok' });
  });

  it("a client that goes away mid-stream ends the upstream's stream too, and the row says so", async () => {
    up.anthropic.reply({ kind: 'message', text: 'one two three four five six' }, { hangAfterEvents: 4 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'count' }], stream: true }, { signal: controller.signal });
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) break;
    }
    controller.abort();
    await up.anthropic.waitForAbort(5_000);
    await expect.poll(async () => (await lastRow()).outcome).toBe('client_aborted');
  });

  it("an Anthropic error comes back in OpenAI's shape with its status", async () => {
    up.anthropic.reply({ kind: 'error', status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: too large' } } });
    const error = await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'x' }] }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400, message: expect.stringContaining('anthropic: max_tokens: too large') });
    expect(await lastRow()).toMatchObject({ provider: 'anthropic', status: 400, outcome: 'upstream_error' });
  });
});

describe('OpenAI -> Gemini generateContent', () => {
  it('translates system, image, tool call and result by name, tools and tool choice; the answer and usage come back as OpenAI', async () => {
    up.gemini.reply({ kind: 'generate', text: 'A pixel; sunny.', usage: { prompt: 25, candidates: 5, thoughts: 3, cached: 4 } });
    const completion = await client.chat.completions.create({ model: 'gemini:gemini-2.5-flash', messages: CONVERSATION, tools: [WEATHER], tool_choice: 'required', max_completion_tokens: 50, temperature: 0.2 });
    const sent = up.gemini.requests[0]!;
    expect(sent.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(sent.headers['x-goog-api-key']).toBe(GEMINI_KEY);
    expect(sent.json).toEqual({
      systemInstruction: { parts: [{ text: 'You are terse.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'What is in this picture, and the weather in Paris?' }, { inlineData: { mimeType: 'image/png', data: PIXEL } }] },
        { role: 'model', parts: [{ text: 'Checking.' }, { functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { content: 'Sunny, 21C' } } }] },
      ],
      tools: [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather by city', parametersJsonSchema: WEATHER.function.parameters }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY' } },
      generationConfig: { maxOutputTokens: 50, temperature: 0.2 },
    });
    expect(completion.choices[0]!.message.content).toBe('A pixel; sunny.');
    expect(completion.usage).toMatchObject({ prompt_tokens: 25, completion_tokens: 8, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 3 } });
    expect(await lastRow()).toMatchObject({ provider: 'gemini', model: 'gemini-2.5-flash', status: 200, outcome: 'ok', inputTokens: 25, outputTokens: 8, reasoningTokens: 3 });
  });

  it('function calls come back as OpenAI tool calls with ids, JSON and stream', async () => {
    up.gemini.reply({ kind: 'generate', text: 'Checking both.', functionCalls: [{ name: 'get_weather', args: { city: 'Rome' } }, { name: 'get_weather', args: { city: 'Oslo' }, id: 'fc_2' }] });
    const json = await client.chat.completions.create({ model: 'quick', messages: [{ role: 'user', content: 'Rome and Oslo?' }], tools: [WEATHER] });
    const calls = json.choices[0]!.message.tool_calls!;
    expect(json.choices[0]!.finish_reason).toBe('tool_calls');
    expect(calls.map((call) => call.type === 'function' && [call.function.name, call.function.arguments])).toEqual([['get_weather', '{"city":"Rome"}'], ['get_weather', '{"city":"Oslo"}']]);
    expect(calls[0]!.id).toMatch(/^call_/);
    expect(calls[1]!.id).toBe('fc_2');
    const final = await client.chat.completions.stream({ model: 'quick', messages: [{ role: 'user', content: 'Rome and Oslo?' }], tools: [WEATHER] }).finalChatCompletion();
    expect(up.gemini.requests[1]!.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(final.choices[0]!.message.content).toBe('Checking both.');
    expect(final.choices[0]!.message.tool_calls!.map((call) => call.type === 'function' && call.function.arguments)).toEqual(['{"city":"Rome"}', '{"city":"Oslo"}']);
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(await lastRow()).toMatchObject({ provider: 'gemini', stream: true, outcome: 'ok', inputTokens: 11, outputTokens: 8 });
  });

  it('a Gemini stream cut before its finish reason ends in an error, never a clean end', async () => {
    up.gemini.reply({ kind: 'generate', text: 'partial answer here', streamError: { afterEvents: 1, code: 503, message: 'overloaded', status: 'UNAVAILABLE' } });
    const stream = await client.chat.completions.create({ model: 'quick', messages: [{ role: 'user', content: 'x' }], stream: true });
    const error = await (async () => {
      for await (const _ of stream);
    })().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ message: expect.stringContaining('overloaded') });
    expect(await lastRow()).toMatchObject({ provider: 'gemini', outcome: 'upstream_error' });
  });
});

describe('OpenAI-format providers', () => {
  it('openai:<model> goes to OpenAI as it came, less the prefix, with the configured key', async () => {
    up.openai.reply({ kind: 'chat', content: 'from openai' });
    const completion = await client.chat.completions.create({ model: 'openai:gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]!.message.content).toBe('from openai');
    expect(up.openai.requests[0]!.json).toEqual({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(await lastRow()).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', outcome: 'ok' });
  });
});

describe('where the router is, and its aliases', () => {
  it('/model-router is the same router; a profile has its own aliases over the top-level ones, at /router/<proxyId>', async () => {
    const config = { models: { fast: 'anthropic:claude-haiku-4-5', smart: 'anthropic:claude-sonnet-4-6' }, profiles: { team: { models: { fast: 'gemini:gemini-2.5-flash-lite' } } } };
    const other = await routerClient(up, config, 'model-router');
    const team = await routerClient(up, config, 'router/team');
    try {
      up.anthropic.reply({ kind: 'message', text: 'from claude' });
      up.gemini.reply({ kind: 'generate', text: 'from gemini' });
      expect((await other.client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] })).choices[0]!.message.content).toBe('from claude');
      expect(up.anthropic.requests.at(-1)!.json.model).toBe('claude-haiku-4-5');
      expect((await team.client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] })).choices[0]!.message.content).toBe('from gemini');
      expect(up.gemini.requests.at(-1)!.path).toBe('/v1beta/models/gemini-2.5-flash-lite:generateContent');
      await team.client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] });
      expect(up.anthropic.requests.at(-1)!.json.model).toBe('claude-sonnet-4-6');
      expect((await auditRows(team.proxy)).map((row) => [row.proxyId, row.provider, row.model])).toEqual([['team', 'gemini', 'gemini-2.5-flash-lite'], ['team', 'anthropic', 'claude-sonnet-4-6']]);
    } finally {
      await other.proxy.close();
      await team.proxy.close();
    }
  });

  it('a malformed alias is a configuration error naming the field', async () => {
    const { createProxy } = await import('../../src/index.js');
    expect(() => createProxy({ models: { fast: 'gpt-4o' } })).toThrow(/models\.fast/);
  });
});
