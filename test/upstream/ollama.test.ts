import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSSE } from '../helpers/sse.js';
import { type ScriptedOllama, startOllamaUpstream } from './ollama.js';

let up: ScriptedOllama;
let ollama: Ollama;

beforeAll(async () => {
  up = await startOllamaUpstream();
  ollama = new Ollama({ host: up.url });
});
afterEach(() => up.reset());
afterAll(async () => {
  await up.close();
});

const weather = { name: 'get_weather', arguments: { city: 'Zürich', unit: 'celsius' } };

describe('scripted Ollama upstream, driven by the real ollama client', () => {
  it('chat, stream: false: one JSON answer with the counts; the request is recorded', async () => {
    const answer = await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] });
    expect(answer).toMatchObject({ model: 'llama3.2', message: { role: 'assistant', content: 'Hello from the scripted Ollama.' }, done: true, done_reason: 'stop', prompt_eval_count: 26, eval_count: 9 });
    expect(up.requests[0]).toMatchObject({ method: 'POST', path: '/api/chat' });
    expect(up.requests[0]!.json).toEqual({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], stream: false });
  });

  it('chat stream split at 7 bytes (mid-line, mid-character): the client reassembles text and ends on done', async () => {
    up.reply({ kind: 'answer', content: 'Grüezi ☀️ 🚣 done.', usage: { prompt_eval_count: 5, eval_count: 4 } }, { splitBytes: 7 });
    let text = '';
    let last: { done: boolean; eval_count?: number } | undefined;
    for await (const part of await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], stream: true })) {
      text += part.message.content;
      last = part;
    }
    expect(text).toBe('Grüezi ☀️ 🚣 done.');
    expect(last).toMatchObject({ done: true, eval_count: 4 });
  });

  it('raw NDJSON: application/x-ndjson, one object a line, thinking first, tool calls in one line, done last', async () => {
    up.reply({ kind: 'answer', thinking: 'I should call it.', toolCalls: [{ ...weather, id: 'call_1' }] });
    const response = await fetch(`${up.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'qwen3:8b', messages: [] }) });
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    const body = await response.text();
    expect(body.endsWith('\n')).toBe(true);
    const lines = body.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines[0].message).toEqual({ role: 'assistant', content: '', thinking: 'I ' });
    expect(lines.at(-2).message.tool_calls).toEqual([{ id: 'call_1', function: { index: 0, name: 'get_weather', arguments: weather.arguments } }]);
    expect(lines.at(-1)).toMatchObject({ done: true, done_reason: 'stop', prompt_eval_count: 26, eval_count: 9 });
    expect(lines.slice(0, -1).every((line) => line.done === false)).toBe(true);
  });

  it('generate, streamed and not', async () => {
    up.reply({ kind: 'answer', content: 'Rayleigh scattering.' });
    expect(await ollama.generate({ model: 'llama3.2', prompt: 'Why is the sky blue?' })).toMatchObject({ response: 'Rayleigh scattering.', done: true, eval_count: 9 });
    let text = '';
    for await (const part of await ollama.generate({ model: 'llama3.2', prompt: 'Why?', stream: true })) text += part.response;
    expect(text).toBe('Rayleigh scattering.');
    expect(up.requests.map((request) => request.path)).toEqual(['/api/generate', '/api/generate']);
  });

  it('a mid-stream error line: the client throws with its message', async () => {
    up.reply({ kind: 'answer', content: 'one two', streamError: 'an error was encountered while running the model: unexpected EOF' });
    const parts: string[] = [];
    const error = await (async () => {
      for await (const part of await ollama.chat({ model: 'llama3.2', messages: [], stream: true })) parts.push(part.message.content);
    })().catch((e: unknown) => e);
    expect(parts).toEqual(['one ', 'two']);
    expect((error as Error).message).toBe('an error was encountered while running the model: unexpected EOF');
  });

  it('list, show, embed; an unknown model and an unknown path are errors the client raises', async () => {
    expect((await ollama.list()).models.map((model) => model.name)).toContain('llama3.2:latest');
    expect((await ollama.show({ model: 'llama3.2' })).details.family).toBe('llama');
    expect(await ollama.embed({ model: 'all-minilm', input: ['a b', 'c'] })).toMatchObject({ model: 'all-minilm', prompt_eval_count: 3 });
    await expect(ollama.show({ model: 'nope' })).rejects.toMatchObject({ name: 'ResponseError', status_code: 404, error: "model 'nope' not found" });
    const notFound = await fetch(`${up.url}/api/nope`);
    expect([notFound.status, await notFound.text()]).toEqual([404, '404 page not found']);
  });

  it('an error reply: ResponseError with the message and status', async () => {
    up.reply({ kind: 'error', status: 404, body: { error: 'model "llama9" not found, try pulling it first' } });
    await expect(ollama.chat({ model: 'llama9', messages: [] })).rejects.toMatchObject({ name: 'ResponseError', status_code: 404, error: 'model "llama9" not found, try pulling it first' });
  });

  it('OpenAI-compatible /v1: the openai SDK gets completions, SSE chunks with fp_ollama, usage on request, models', async () => {
    const openai = new OpenAI({ baseURL: `${up.url}/v1`, apiKey: 'ollama', maxRetries: 0 });
    up.reply({ kind: 'answer', content: 'Hi there', usage: { prompt_eval_count: 3, eval_count: 2 } });
    const completion = await openai.chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion).toMatchObject({ object: 'chat.completion', system_fingerprint: 'fp_ollama', choices: [{ message: { content: 'Hi there' } }], usage: { prompt_tokens: 3, completion_tokens: 2 } });
    const raw = await fetch(`${up.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'llama3.2', messages: [], stream: true, stream_options: { include_usage: true } }) });
    const events = parseSSE(await raw.text());
    expect(events.at(-1)!.data).toBe('[DONE]');
    expect(JSON.parse(events.at(-2)!.data)).toMatchObject({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 2 }, system_fingerprint: 'fp_ollama' });
    expect((await openai.models.list()).data.map((model) => model.id)).toContain('qwen3:8b');
  });

  it('splitAt cuts the body where asked; hangAfterEvents + waitForAbort sees the client leave', async () => {
    up.reply({ kind: 'answer', content: 'a b c' }, { splitAt: [3, 50] });
    const text = await (await fetch(`${up.url}/api/generate`, { method: 'POST', body: '{"model":"m","prompt":"x"}' })).text();
    expect(text.split('\n').filter(Boolean).map((line) => JSON.parse(line).response).join('')).toBe('a b c');

    up.reply({ kind: 'answer', content: 'one two three four' }, { hangAfterEvents: 2 });
    const controller = new AbortController();
    const response = await fetch(`${up.url}/api/chat`, { method: 'POST', body: '{"model":"m"}', signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await up.waitForAbort(3000);
  });
});
