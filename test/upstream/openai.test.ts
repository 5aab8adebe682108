import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSSE, sseJson } from '../helpers/sse.js';
import { startOpenAIUpstream, type ScriptedOpenAI } from './openai.js';

let up: ScriptedOpenAI;
let client: OpenAI;

beforeAll(async () => {
  up = await startOpenAIUpstream();
  client = new OpenAI({ baseURL: up.baseUrl, apiKey: 'sk-test', maxRetries: 0 });
});
afterEach(() => up.reset());
afterAll(async () => {
  await up.close();
});

const weather = { id: 'call_abc123', name: 'get_weather', arguments: '{"city":"Zürich","unit":"celsius"}' };

describe('scripted OpenAI upstream, driven by the real openai SDK', () => {
  it('non-streaming chat: default reply, real chat.completion shape, recorded request', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.id).toMatch(/^chatcmpl-/);
    expect(data.model).toBe('gpt-4o-mini');
    expect(data.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'Hello from the scripted upstream.' });
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(data.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 });
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(response.headers.get('openai-processing-ms')).toMatch(/^\d+$/);

    expect(up.requests).toHaveLength(1);
    const req = up.requests[0]!;
    expect(req).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(req.headers['authorization']).toBe('Bearer sk-test');
    expect(req.json.messages).toEqual([{ role: 'user', content: 'hi' }]);
  });

  it('non-streaming tool call and reply.model override', async () => {
    up.reply({ kind: 'chat', toolCalls: [weather], model: 'gpt-4o-2024-08-06' });
    const res = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'weather?' }] });
    expect(res.model).toBe('gpt-4o-2024-08-06');
    expect(res.choices[0]!.finish_reason).toBe('tool_calls');
    expect(res.choices[0]!.message.content).toBeNull();
    expect(res.choices[0]!.message.tool_calls).toEqual([
      { id: weather.id, type: 'function', function: { name: weather.name, arguments: weather.arguments } },
    ]);
  });

  it('streaming chat with include_usage: SDK reassembles content and usage', async () => {
    up.reply({ kind: 'chat', content: 'The quick brown fox jumps.', usage: { prompt_tokens: 5, completion_tokens: 6 } });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('The quick brown fox jumps.');
    expect(chunks).toBeGreaterThanOrEqual(1 + 5 + 2); // role, 5 words, finish, usage
    expect(usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 });
  });

  it('streaming tool call: finalChatCompletion() reassembles name and arguments', async () => {
    up.reply({ kind: 'chat', toolCalls: [weather] });
    const runner = client.chat.completions.stream({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'weather in Zürich?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }],
    });
    const final = await runner.finalChatCompletion();
    const msg = final.choices[0]!.message;
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(msg.tool_calls).toHaveLength(1);
    const call = msg.tool_calls![0]!;
    expect(call.id).toBe(weather.id);
    expect(call.type === 'function' && call.function.name).toBe('get_weather');
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Zürich', unit: 'celsius' });
  });

  it('splitBytes: 7 splits events and multi-byte UTF-8 characters; SDK still decodes', async () => {
    const content = 'héllo wörld ✓ 🚀';
    up.reply({ kind: 'chat', content }, { splitBytes: 7 });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(content);
  });

  it('raw SSE matches OpenAI framing (usage:null on every chunk, usage chunk, [DONE])', async () => {
    up.reply({ kind: 'chat', content: 'a b', toolCalls: [weather] }, { splitBytes: 5 });
    const res = await fetch(`${up.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [], stream: true, stream_options: { include_usage: true } }),
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const body = await res.text();
    const events = parseSSE(body);
    expect(events.at(-1)!.data).toBe('[DONE]');
    const chunks = sseJson(body);
    const usageChunk = chunks.at(-1);
    expect(usageChunk).toMatchObject({ object: 'chat.completion.chunk', choices: [], usage: { total_tokens: 19 } });
    for (const c of chunks.slice(0, -1)) expect(c.usage).toBeNull();
    expect(chunks[0].choices[0].delta).toMatchObject({ role: 'assistant', content: '' });
    expect(chunks.at(-2).choices[0]).toMatchObject({ delta: {}, finish_reason: 'tool_calls' });
    const toolDeltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(toolDeltas[0]).toEqual({ index: 0, id: weather.id, type: 'function', function: { name: weather.name, arguments: '' } });
    expect(toolDeltas.length).toBeGreaterThanOrEqual(4);
    expect(toolDeltas.map((d: any) => d.function.arguments).join('')).toBe(weather.arguments);

    // without include_usage: no usage field at all, no usage chunk
    const plain = await fetch(`${up.baseUrl}/chat/completions`, {
      method: 'POST', body: JSON.stringify({ model: 'm', messages: [], stream: true }),
    });
    const plainChunks = sseJson(await plain.text());
    expect(plainChunks.every((c) => !('usage' in c) && c.choices.length === 1)).toBe(true);
  });

  it('models.list()', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toContain('gpt-4o-mini');
    expect(up.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models' });
  });

  it('error reply 429 raises OpenAI.RateLimitError with body and headers', async () => {
    up.reply({
      kind: 'error',
      status: 429,
      headers: { 'retry-after': '1' },
      body: { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
    });
    const err = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const e = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(e.status).toBe(429);
    expect(e.code).toBe('rate_limit_exceeded');
    expect(e.headers?.get('retry-after')).toBe('1');
    expect(up.requests).toHaveLength(1); // maxRetries: 0
  });

  it('unknown path: 404 with OpenAI error body', async () => {
    const res = await fetch(`${up.url}/v1/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { message: 'Invalid URL (GET /v1/nope)', type: 'invalid_request_error', param: null, code: null },
    });
  });

  it('hangAfterEvents + waitForAbort: detects the client going away mid-stream', async () => {
    up.reply({ kind: 'chat', content: 'one two three four' }, { hangAfterEvents: 2 });
    const ac = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { signal: ac.signal },
    );
    const seen: string[] = [];
    const consume = (async () => {
      for await (const chunk of stream) {
        seen.push(chunk.choices[0]?.delta.content ?? '');
        if (seen.length === 2) ac.abort();
      }
    })().catch((e: unknown) => e);
    await up.waitForAbort(3000);
    expect(up.abortCount).toBe(1);
    expect(seen).toEqual(['', 'one ']);
    await consume; // the SDK ends the iteration quietly on abort (or throws an abort error)
    expect(seen).toHaveLength(2);
  });
});
