import Anthropic from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSSE } from '../helpers/sse.js';
import { type ScriptedAnthropic, startAnthropicUpstream } from './anthropic.js';

let up: ScriptedAnthropic;
let client: Anthropic;
const weather = { id: 'toolu_01A', name: 'get_weather', input: { city: 'Zürich', unit: 'celsius' } };
const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'hi' }];

beforeAll(async () => {
  up = await startAnthropicUpstream();
  client = new Anthropic({ baseURL: up.url, apiKey: 'sk-ant-test', maxRetries: 0 });
});
afterEach(() => up.reset());
afterAll(async () => {
  await up.close();
});

describe('scripted Anthropic upstream, driven by the real @anthropic-ai/sdk', () => {
  it('non-streaming message: real Message shape, recorded request with the SDK headers', async () => {
    const { data, response } = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 64, messages }).withResponse();
    expect(data).toMatchObject({ type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', stop_reason: 'end_turn' });
    expect(data.content).toEqual([{ type: 'text', text: 'Hello from the scripted Anthropic upstream.' }]);
    expect(data.usage).toMatchObject({ input_tokens: 14, output_tokens: 9 });
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(up.requests[0]).toMatchObject({ method: 'POST', path: '/v1/messages' });
    // The 1.x SDK sends its apiKey as a bearer token.
    expect(up.requests[0]!.headers.authorization).toBe('Bearer sk-ant-test');
    expect(up.requests[0]!.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('streamed tool call with thinking: finalMessage() reassembles it; ping, thinking and signature deltas present', async () => {
    up.reply({ kind: 'message', thinking: 'Need the weather.', text: 'Checking ✓', toolCalls: [weather], usage: { input_tokens: 30, output_tokens: 12 } }, { splitBytes: 7 });
    const final = await client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 64, messages }).finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content.map((block) => block.type)).toEqual(['thinking', 'text', 'tool_use']);
    expect(final.content[1]).toMatchObject({ type: 'text', text: 'Checking ✓' });
    expect(final.content[2]).toMatchObject({ type: 'tool_use', id: weather.id, name: weather.name, input: weather.input });
    expect(final.usage).toMatchObject({ input_tokens: 30, output_tokens: 12 });

    const raw = await fetch(`${up.url}/v1/messages`, {
      method: 'POST', headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: 'm', max_tokens: 1, messages, stream: true }),
    });
    const names = parseSSE(await raw.text()).map((event) => event.event);
    expect(names.slice(0, 3)).toEqual(['message_start', 'content_block_start', 'ping']);
    expect(names.slice(-2)).toEqual(['message_delta', 'message_stop']);
  });

  it('streamError: message_start, then an error event; the SDK stream raises', async () => {
    up.reply({ kind: 'message', text: 'one two three', streamError: { afterEvents: 3, type: 'overloaded_error', message: 'Overloaded' } });
    const error = await client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 64, messages }).finalMessage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error).toMatchObject({ type: 'overloaded_error' });
  });

  it('count_tokens, models.list and models.retrieve', async () => {
    const count = await client.messages.countTokens({ model: 'claude-sonnet-4-6', messages });
    expect(count.input_tokens).toBeGreaterThan(0);
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain('claude-sonnet-4-6');
    expect((await client.models.retrieve('claude-opus-4-5-20251101')).display_name).toBe('Claude Opus 4.5');
    expect(up.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([
      'POST /v1/messages/count_tokens', 'GET /v1/models', 'GET /v1/models/claude-opus-4-5-20251101',
    ]);
  });

  it('errors: scripted 529, missing key, unknown path, each in Anthropic error shape', async () => {
    up.reply({ kind: 'error', status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    const error = await client.messages.create({ model: 'm', max_tokens: 1, messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.OverloadedError);
    const noKey = await fetch(`${up.url}/v1/messages`, { method: 'POST', headers: { 'anthropic-version': '2023-06-01' }, body: '{}' });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toEqual({ type: 'error', error: { type: 'authentication_error', message: 'x-api-key header is required' } });
    const unknown = await fetch(`${up.url}/v1/nope`, { headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' } });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.type).toBe('not_found_error');
  });

  it('splitAt cuts the body at the given byte offsets', async () => {
    up.reply({ kind: 'raw', status: 200, headers: { 'content-type': 'text/plain' }, body: 'héllo wörld' }, { splitAt: [2, 5] });
    const res = await fetch(`${up.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }, body: '{}' });
    expect(await res.text()).toBe('héllo wörld');
  });
});
