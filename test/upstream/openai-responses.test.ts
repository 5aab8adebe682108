/**
 * The scripted OpenAI upstream's Responses, Embeddings and legacy Completions endpoints, driven
 * directly (no proxy) by raw HTTP and the real openai SDK: the wire format the e2e tests rely on.
 */
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSSE } from '../helpers/sse.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from './openai.js';

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

async function rawStream(body: unknown) {
  const response = await fetch(`${up.baseUrl}/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4.1', input: 'hi', stream: true, ...(body as object) }) });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const text = await response.text();
  return { text, events: parseSSE(text).map((event) => ({ event: event.event, data: JSON.parse(event.data) })) };
}

describe('scripted upstream: POST /v1/responses', () => {
  it('streams typed events: `type` equals the event name, sequence numbers count up from 0, no [DONE], response.completed last with usage', async () => {
    up.reply({ kind: 'responses', content: 'Grüezi ✓', toolCalls: [{ id: 'call_1', name: 'f', arguments: '{"a":1}' }], usage: { input_tokens: 3, output_tokens: 4 } });
    const { text, events } = await rawStream({});
    expect(text).not.toContain('[DONE]');
    expect(events.every(({ event, data }) => data.type === event)).toBe(true);
    expect(events.map(({ data }) => data.sequence_number)).toEqual(events.map((_, index) => index));
    expect(events.map(({ event }) => event)).toEqual([
      'response.created', 'response.in_progress',
      'response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.delta', 'response.output_text.done', 'response.content_part.done', 'response.output_item.done',
      'response.output_item.added', 'response.function_call_arguments.delta', 'response.function_call_arguments.delta', 'response.function_call_arguments.delta', 'response.function_call_arguments.done', 'response.output_item.done',
      'response.completed',
    ]);
    expect(events.at(-1)!.data.response).toMatchObject({ status: 'completed', usage: { input_tokens: 3, output_tokens: 4, total_tokens: 7 } });
  });

  it.each([
    ['incomplete', 'response.incomplete'],
    ['failed', 'response.failed'],
    ['error', 'error'],
  ] as const)('end: %s ends the stream with %s', async (end, last) => {
    up.reply({ kind: 'responses', content: 'x', end });
    const { events } = await rawStream({});
    expect(events.at(-1)!.event).toBe(last);
    if (end === 'error') expect(events.at(-1)!.data.error).toMatchObject({ type: 'server_error', message: expect.any(String) });
  });

  it("end: 'cut' stops before the terminal event; a chat reply renders as a response", async () => {
    up.replyOnce({ kind: 'responses', content: 'x', end: 'cut' });
    expect((await rawStream({})).events.at(-1)!.event).toBe('response.output_item.done');
    const answer = await client.responses.create({ model: 'gpt-4.1', input: 'hi' });
    expect(answer).toMatchObject({ object: 'response', status: 'completed', output_text: 'Hello from the scripted upstream.', usage: { input_tokens: 12, output_tokens: 7 } });
  });

  it('the SDK reassembles a stream split at every 5 bytes, and stored responses can be read back, listed, cancelled, deleted', async () => {
    up.reply({ kind: 'responses', content: 'héllo 🌍 wörld' }, { splitBytes: 5 });
    const final = await client.responses.stream({ model: 'gpt-4.1', input: 'hi', background: true }).finalResponse();
    expect(final.output_text).toBe('héllo 🌍 wörld');
    expect((await client.responses.retrieve(final.id)).output_text).toBe('héllo 🌍 wörld');
    const items = [];
    for await (const item of client.responses.inputItems.list(final.id)) items.push(item);
    expect(items).toHaveLength(1);
    expect((await client.responses.cancel(final.id)).status).toBe('cancelled');
    await client.responses.delete(final.id);
    await expect(client.responses.retrieve(final.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const unstored = await client.responses.create({ model: 'gpt-4.1', input: 'hi', store: false });
    await expect(client.responses.retrieve(unstored.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe('scripted upstream: embeddings and legacy completions', () => {
  it('embeddings: base64 float32 when asked (the SDK decodes it), deterministic per input', async () => {
    const first = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a b', 'c'] });
    const again = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a b', 'c'], encoding_format: 'float' });
    expect(up.requests[0]!.json.encoding_format).toBe('base64');
    expect(first.data.map((item) => item.embedding)).toEqual(again.data.map((item) => item.embedding));
    expect(first.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
  });

  it('completions: JSON, and a stream with the usage chunk only when asked', async () => {
    up.reply({ kind: 'chat', content: 'one two', usage: { prompt_tokens: 2, completion_tokens: 2 } });
    expect((await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'x' })).choices[0]!.text).toBe('one two');
    const chunks = [];
    for await (const chunk of await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'x', stream: true, stream_options: { include_usage: true } })) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.text ?? '').join('')).toBe('one two');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 2, completion_tokens: 2 } });
  });
});
