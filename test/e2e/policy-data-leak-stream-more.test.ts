/**
 * S8 (more providers): data-leak guards on streamed answers of Gemini `streamGenerateContent`,
 * Ollama's native NDJSON and the OpenAI Responses API, with each real SDK in-process. A secret
 * split across stream chunks is never in the raw stream, and the reassembled answer equals the
 * redacted answer of the same request without streaming.
 */
import { GoogleGenAI } from '@google/genai';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsAccessKey, openaiKey, seeded } from '../../src/policy/data-leak/__fixtures__/values.js';
import { type Proxy, type ProxyConfig, createProxy, createProxyFetch } from '../../src/index.js';
import { auditRows, rawRequest } from '../helpers/proxy.js';
import { clearGeminiEnv } from '../helpers/gemini-way-in.js';
import { parseSSE } from '../helpers/sse.js';
import { type ScriptedGemini, startGeminiUpstream } from '../upstream/gemini.js';
import { type ScriptedOllama, startOllamaUpstream } from '../upstream/ollama.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

/** Keys are built at run time, so no secret-looking literal sits in the repository. */
const random = seeded(3);
const OPENAI_KEY = openaiKey(random);
const AWS_KEY = awsAccessKey(random);
const CONTENT = `Your key is ${OPENAI_KEY} so keep it safe.`;
const REDACTED = 'Your key is [REDACTED:openai_key] so keep it safe.';

/** Whether `text` holds any 12-character piece of `secret` (a key released in part). */
function holdsPieceOf(text: string, secret: string): boolean {
  for (let i = 0; i + 12 <= secret.length; i++) if (text.includes(secret.slice(i, i + 12))) return true;
  return false;
}

/** Splits `text` into `n` pieces of about equal length. */
function pieces(text: string, n: number): string[] {
  const size = Math.ceil(text.length / n);
  return Array.from({ length: n }, (_, i) => text.slice(i * size, (i + 1) * size));
}

describe('S8: data-leak guards on streamed answers (Gemini streamGenerateContent)', () => {
  const MODEL = 'gemini-2.5-flash';
  const KEY = 'AIzaSyStreamLeakTestKey-00';
  let up: ScriptedGemini;
  let restoreEnv: () => void;
  const proxies: Proxy[] = [];

  function start(config: ProxyConfig = {}): { proxy: Proxy; client: GoogleGenAI } {
    const proxy = createProxy({ providers: { gemini: { baseUrl: up.url } }, ...config });
    proxies.push(proxy);
    return { proxy, client: new GoogleGenAI({ apiKey: KEY, httpOptions: { fetch: createProxyFetch(proxy) } }) };
  }

  async function rawStream(proxy: Proxy): Promise<string> {
    const request = rawRequest(`/gemini/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`, { body: { contents: [{ role: 'user', parts: [{ text: 'key?' }] }] }, headers: { 'x-goog-api-key': KEY } });
    const response = await proxy.handle(request);
    expect(response.status).toBe(200);
    return response.text();
  }

  /** The text parts of a raw SSE body, joined. */
  const textOf = (raw: string) =>
    parseSSE(raw)
      .flatMap((event) => JSON.parse(event.data).candidates?.[0]?.content?.parts ?? [])
      .map((part: { text?: string }) => part.text ?? '')
      .join('');

  /** A raw stream whose text arrives as exactly these pieces, the last one (or none) finishing. */
  function rawEvents(texts: readonly string[], finish = true): string {
    const base = { modelVersion: MODEL, responseId: 'resp-raw', usageMetadata: { promptTokenCount: 3, totalTokenCount: 9 } };
    return texts
      .map((text, i) => `data: ${JSON.stringify({ candidates: [{ content: { parts: [{ text }], role: 'model' }, ...(finish && i === texts.length - 1 ? { finishReason: 'STOP' } : {}), index: 0 }], ...base })}\n\n`)
      .join('');
  }

  beforeAll(async () => {
    restoreEnv = clearGeminiEnv();
    up = await startGeminiUpstream();
  });
  afterAll(async () => {
    for (const proxy of proxies) await proxy.close();
    await up.close();
    restoreEnv();
  });

  it('text and functionCall args: the SDK stream reassembles to the redacted JSON answer, the keys never go out', async () => {
    const { proxy, client } = start();
    const reply = { kind: 'generate' as const, text: CONTENT, functionCalls: [{ id: 'call_1', name: 'store', args: { value: AWS_KEY, note: 'ok' } }] };
    const ask = { model: MODEL, contents: 'what is my key' };
    up.reply(reply);
    const whole = await client.models.generateContent(ask);
    expect(whole.text).toBe(REDACTED);
    expect(whole.functionCalls?.[0]?.args).toEqual({ value: '[REDACTED:aws_access_key]', note: 'ok' });
    for (const splitBytes of [undefined, 1, 7, 64]) {
      up.reply(reply, splitBytes ? { splitBytes } : {});
      let text = '';
      const calls: unknown[] = [];
      for await (const chunk of await client.models.generateContentStream(ask)) {
        text += chunk.text ?? '';
        calls.push(...(chunk.functionCalls ?? []));
      }
      expect(text, `splitBytes ${splitBytes}`).toBe(whole.text);
      expect(calls).toEqual(whole.functionCalls);

      up.reply(reply, splitBytes ? { splitBytes } : {});
      const raw = await rawStream(proxy);
      expect(holdsPieceOf(raw, OPENAI_KEY)).toBe(false);
      expect(raw).not.toContain(AWS_KEY);
    }
    const rows = await auditRows(proxy);
    expect(JSON.stringify(rows)).not.toContain(OPENAI_KEY);
    expect(JSON.stringify(rows)).not.toContain(AWS_KEY);
    expect(rows.at(-1)?.decisions?.filter((decision) => decision.kind === 'data_leak')).toEqual([
      { kind: 'data_leak', direction: 'response', detector: 'openai_key', path: 'text:0', action: 'redact' },
      { kind: 'data_leak', direction: 'response', detector: 'aws_access_key', path: 'tool:0:0', action: 'redact' },
    ]);
  });

  it('a key split inside itself over 2 to 5 events is redacted whole; a key at the very end goes out in the finishing event, or (without one) in an event of its own', async () => {
    const { proxy } = start();
    for (let n = 2; n <= 5; n++) {
      up.reply({ kind: 'raw', status: 200, headers: { 'content-type': 'text/event-stream' }, body: rawEvents(['Your key is ', ...pieces(OPENAI_KEY, n), ' so keep it safe.']) });
      const raw = await rawStream(proxy);
      expect(holdsPieceOf(raw, OPENAI_KEY), `${n} events`).toBe(false);
      expect(textOf(raw), `${n} events`).toBe(REDACTED);
    }
    up.reply({ kind: 'raw', status: 200, headers: { 'content-type': 'text/event-stream' }, body: rawEvents(['key: ', ...pieces(OPENAI_KEY, 3)]) });
    const finished = parseSSE(await rawStream(proxy));
    expect(JSON.parse(finished.at(-1)!.data).candidates[0]).toMatchObject({ finishReason: 'STOP', content: { parts: [{ text: '[REDACTED:openai_key]' }] } });

    up.reply({ kind: 'raw', status: 200, headers: { 'content-type': 'text/event-stream' }, body: rawEvents(['key: ', ...pieces(OPENAI_KEY, 3)], false) });
    const raw = await rawStream(proxy);
    expect(holdsPieceOf(raw, OPENAI_KEY)).toBe(false);
    expect(textOf(raw)).toBe('key: [REDACTED:openai_key]');
    expect(JSON.parse(parseSSE(raw).at(-1)!.data)).toMatchObject({ responseId: 'resp-raw', candidates: [{ index: 0, content: { parts: [{ text: '[REDACTED:openai_key]' }] } }] });
  });

  it('an answer without secrets streams through unchanged, byte for byte', async () => {
    const { proxy } = start();
    const body = rawEvents(['Hello ', 'there, ', 'nothing ', 'secret ', 'here.']);
    up.reply({ kind: 'raw', status: 200, headers: { 'content-type': 'text/event-stream' }, body });
    const raw = await rawStream(proxy);
    expect(parseSSE(raw)).toEqual(parseSSE(body));
  });

  it("secrets: 'block' ends the stream with an error; the key never goes out", async () => {
    const { proxy } = start({ policies: { dataLeak: { secrets: 'block' } } });
    up.reply({ kind: 'generate', text: CONTENT }, { splitBytes: 7 });
    const raw = await rawStream(proxy);
    expect(holdsPieceOf(raw, OPENAI_KEY)).toBe(false);
    expect(parseSSE(raw).at(-1)?.data).toContain('"error"');
    expect(raw).not.toContain('keep it safe');
  });
});

describe('S8: data-leak guards on streamed answers (Ollama native NDJSON and /v1)', () => {
  const MODEL = 'llama3.1:8b';
  let up: ScriptedOllama;
  const proxies: Proxy[] = [];

  function start(config: ProxyConfig = {}): { proxy: Proxy; client: Ollama } {
    const proxy = createProxy({ providers: { ollama: { baseUrl: up.url } }, ...config });
    proxies.push(proxy);
    return { proxy, client: new Ollama({ host: up.url, fetch: createProxyFetch(proxy) }) };
  }

  async function rawStream(proxy: Proxy, path: string, body: Record<string, unknown>): Promise<string> {
    const response = await proxy.handle(rawRequest(`/ollama${path}`, { body: { model: MODEL, stream: true, ...body } }));
    expect(response.status).toBe(200);
    return response.text();
  }
  const lines = (raw: string) => raw.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line));

  /** A raw /api/chat body whose content arrives as exactly these pieces. */
  function rawChat(texts: readonly string[]): string {
    const base = { model: MODEL, created_at: '2025-10-14T09:12:03.031827441Z' };
    let out = '';
    for (const content of texts) out += `${JSON.stringify({ ...base, message: { role: 'assistant', content }, done: false })}\n`;
    return `${out}${JSON.stringify({ ...base, message: { role: 'assistant', content: '' }, done_reason: 'stop', done: true, prompt_eval_count: 3, eval_count: 5 })}\n`;
  }

  beforeAll(async () => {
    up = await startOllamaUpstream();
  });
  afterAll(async () => {
    for (const proxy of proxies) await proxy.close();
    await up.close();
  });

  it('/api/chat: content and tool arguments reassemble to the redacted JSON answer, the keys never go out', async () => {
    const { proxy, client } = start();
    const reply = { kind: 'answer' as const, content: CONTENT, toolCalls: [{ name: 'store', arguments: { value: AWS_KEY, note: 'ok' } }] };
    const messages = [{ role: 'user', content: 'what is my key' }];
    up.reply(reply);
    const whole = await client.chat({ model: MODEL, messages });
    expect(whole.message.content).toBe(REDACTED);
    expect(whole.message.tool_calls?.[0]?.function.arguments).toEqual({ value: '[REDACTED:aws_access_key]', note: 'ok' });
    for (const splitBytes of [undefined, 1, 7, 64]) {
      up.reply(reply, splitBytes ? { splitBytes } : {});
      let content = '';
      const calls: unknown[] = [];
      for await (const part of await client.chat({ model: MODEL, messages, stream: true })) {
        content += part.message.content;
        calls.push(...(part.message.tool_calls ?? []));
      }
      expect(content, `splitBytes ${splitBytes}`).toBe(whole.message.content);
      expect(calls).toEqual(whole.message.tool_calls);

      up.reply(reply, splitBytes ? { splitBytes } : {});
      const raw = await rawStream(proxy, '/api/chat', { messages });
      expect(holdsPieceOf(raw, OPENAI_KEY)).toBe(false);
      expect(raw).not.toContain(AWS_KEY);
      expect(lines(raw).at(-1)).toMatchObject({ done: true });
    }
    const rows = await auditRows(proxy);
    expect(JSON.stringify(rows)).not.toContain(OPENAI_KEY);
    expect(JSON.stringify(rows)).not.toContain(AWS_KEY);
    expect(rows.at(-1)?.decisions?.filter((decision) => decision.kind === 'data_leak')).toEqual([
      { kind: 'data_leak', direction: 'response', detector: 'openai_key', path: 'text:0', action: 'redact' },
      { kind: 'data_leak', direction: 'response', detector: 'aws_access_key', path: 'tool:0:0', action: 'redact' },
    ]);
  });

  it('/api/generate: the response text reassembles to the redacted JSON answer', async () => {
    const { proxy, client } = start();
    up.reply({ kind: 'answer', content: CONTENT });
    const whole = await client.generate({ model: MODEL, prompt: 'what is my key' });
    expect(whole.response).toBe(REDACTED);
    for (const splitBytes of [undefined, 1, 7]) {
      up.reply({ kind: 'answer', content: CONTENT }, splitBytes ? { splitBytes } : {});
      let text = '';
      for await (const part of await client.generate({ model: MODEL, prompt: 'what is my key', stream: true })) text += part.response;
      expect(text, `splitBytes ${splitBytes}`).toBe(whole.response);
      up.reply({ kind: 'answer', content: CONTENT }, splitBytes ? { splitBytes } : {});
      const raw = await rawStream(proxy, '/api/generate', { prompt: 'what is my key' });
      expect(holdsPieceOf(raw, OPENAI_KEY)).toBe(false);
      expect(lines(raw).map((line) => line.response).join('')).toBe(REDACTED);
    }
  });

  it('a key split inside itself: redacted whole; a key at the very end goes out in a line of its own just before the done line', async () => {
    const { proxy } = start();
    for (let n = 2; n <= 5; n++) {
      up.reply({ kind: 'raw', status: 200, headers: { 'content-type': 'application/x-ndjson' }, body: rawChat(['Your key is ', ...pieces(OPENAI_KEY, n), ' so keep it safe.']) });
      const raw = await rawStream(proxy, '/api/chat', { messages: [{ role: 'user', content: 'key?' }] });
      expect(holdsPieceOf(raw, OPENAI_KEY), `${n} lines`).toBe(false);
      expect(lines(raw).map((line) => line.message.content).join(''), `${n} lines`).toBe(REDACTED);
    }
    up.reply({ kind: 'raw', status: 200, headers: { 'content-type': 'application/x-ndjson' }, body: rawChat(['key: ', ...pieces(OPENAI_KEY, 3)]) });
    const out = lines(await rawStream(proxy, '/api/chat', { messages: [{ role: 'user', content: 'key?' }] }));
    expect(out.at(-2)).toEqual({ model: MODEL, created_at: '2025-10-14T09:12:03.031827441Z', message: { role: 'assistant', content: '[REDACTED:openai_key]' }, done: false });
    expect(out.at(-1)).toMatchObject({ done: true, done_reason: 'stop', eval_count: 5 });
    // No line is left that carried nothing.
    expect(out.every((line) => line.done || line.message.content !== '')).toBe(true);
  });

  it('an answer without secrets streams through unchanged, byte for byte', async () => {
    const { proxy } = start();
    const body = rawChat(['Hello ', 'there, ', 'nothing ', 'secret ', 'here.']);
    up.reply({ kind: 'raw', status: 200, headers: { 'content-type': 'application/x-ndjson' }, body });
    expect(await rawStream(proxy, '/api/chat', { messages: [{ role: 'user', content: 'hi' }] })).toBe(body);
  });

  it('/v1/chat/completions (OpenAI SSE) is redacted the OpenAI way', async () => {
    const { proxy } = start();
    up.reply({ kind: 'answer', content: CONTENT }, { splitBytes: 7 });
    const raw = await rawStream(proxy, '/v1/chat/completions', { messages: [{ role: 'user', content: 'key?' }] });
    expect(holdsPieceOf(raw, OPENAI_KEY)).toBe(false);
    const text = parseSSE(raw)
      .filter((event) => event.data !== '[DONE]')
      .map((event) => JSON.parse(event.data).choices?.[0]?.delta?.content ?? '')
      .join('');
    expect(text).toBe(REDACTED);
  });
});

describe('S8: data-leak guards on streamed answers (OpenAI Responses API)', () => {
  let up: ScriptedOpenAI;
  const proxies: Proxy[] = [];
  const TOOLS = [{ type: 'function' as const, name: 'store', parameters: { type: 'object' }, strict: false }];

  function start(config: ProxyConfig = {}): { proxy: Proxy; client: OpenAI } {
    const proxy = createProxy({ providers: { openai: { baseUrl: up.baseUrl } }, ...config });
    proxies.push(proxy);
    return { proxy, client: new OpenAI({ apiKey: 'sk-test', fetch: createProxyFetch(proxy), maxRetries: 0 }) };
  }

  async function rawStream(proxy: Proxy, extra: Record<string, unknown> = {}): Promise<string> {
    const response = await proxy.handle(rawRequest('/openai/responses', { body: { model: 'gpt-4.1', input: 'key?', stream: true, ...extra }, headers: { authorization: 'Bearer sk-test' } }));
    expect(response.status).toBe(200);
    return response.text();
  }

  /** A raw Responses stream whose text arrives as exactly these deltas (and a .done/snapshot with the whole text). */
  function rawEvents(deltas: readonly string[]): string {
    const text = deltas.join('');
    const item = { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', annotations: [], logprobs: [], text }] };
    const response = { id: 'resp_1', object: 'response', created_at: 1, status: 'completed', model: 'gpt-4.1', output: [item], usage: { input_tokens: 3, output_tokens: 5, total_tokens: 8 } };
    let seq = 0;
    const emit = (type: string, fields: object) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...fields })}\n\n`;
    let out = emit('response.created', { response: { ...response, status: 'in_progress', output: [] } });
    out += emit('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } });
    out += emit('response.content_part.added', { item_id: 'msg_1', output_index: 0, content_index: 0, part: { type: 'output_text', annotations: [], logprobs: [], text: '' } });
    for (const delta of deltas) out += emit('response.output_text.delta', { item_id: 'msg_1', output_index: 0, content_index: 0, delta, logprobs: [] });
    out += emit('response.output_text.done', { item_id: 'msg_1', output_index: 0, content_index: 0, text, logprobs: [] });
    out += emit('response.content_part.done', { item_id: 'msg_1', output_index: 0, content_index: 0, part: item.content[0] });
    out += emit('response.output_item.done', { output_index: 0, item });
    return out + emit('response.completed', { response });
  }

  /** The text deltas of a raw Responses stream, joined. */
  const deltasOf = (raw: string) =>
    parseSSE(raw)
      .filter((event) => event.event === 'response.output_text.delta')
      .map((event) => JSON.parse(event.data).delta)
      .join('');

  beforeAll(async () => {
    up = await startOpenAIUpstream();
  });
  afterAll(async () => {
    for (const proxy of proxies) await proxy.close();
    await up.close();
  });

  it('text and function call arguments: responses.stream().finalResponse() equals the redacted JSON answer, the keys never go out', async () => {
    const { proxy, client } = start();
    const reply = { kind: 'responses' as const, content: CONTENT, toolCalls: [{ id: 'call_1', name: 'store', arguments: JSON.stringify({ value: AWS_KEY, note: 'ok' }) }] };
    up.reply(reply);
    const whole = await client.responses.create({ model: 'gpt-4.1', input: 'what is my key', tools: TOOLS });
    expect(whole.output_text).toBe(REDACTED);
    const call = whole.output.find((item) => item.type === 'function_call');
    expect(call?.type === 'function_call' && JSON.parse(call.arguments)).toEqual({ value: '[REDACTED:aws_access_key]', note: 'ok' });
    for (const splitBytes of [undefined, 1, 7, 64]) {
      up.reply(reply, splitBytes ? { splitBytes } : {});
      const stream = client.responses.stream({ model: 'gpt-4.1', input: 'what is my key', tools: TOOLS });
      let text = '';
      let args = '';
      stream.on('response.output_text.delta', (event) => (text += event.delta));
      stream.on('response.function_call_arguments.delta', (event) => (args += event.delta));
      const final = await stream.finalResponse();
      expect(final.output_text, `splitBytes ${splitBytes}`).toBe(whole.output_text);
      expect(text).toBe(REDACTED);
      // finalResponse() adds `parsed` fields of its own.
      expect(final.output.map(({ id: _, ...item }) => item)).toMatchObject(whole.output.map(({ id: _, ...item }) => item));
      expect(JSON.parse(args)).toEqual({ value: '[REDACTED:aws_access_key]', note: 'ok' });

      up.reply(reply, splitBytes ? { splitBytes } : {});
      const raw = await rawStream(proxy, { tools: TOOLS });
      expect(holdsPieceOf(raw, OPENAI_KEY), `splitBytes ${splitBytes}`).toBe(false);
      expect(raw).not.toContain(AWS_KEY);
      expect(parseSSE(raw).at(-1)?.event).toBe('response.completed');
    }
    const rows = await auditRows(proxy);
    expect(JSON.stringify(rows)).not.toContain(OPENAI_KEY);
    expect(JSON.stringify(rows)).not.toContain(AWS_KEY);
    // Each secret is found once, where it was streamed (the .done events and snapshots repeat it).
    expect(rows.at(-1)?.decisions?.filter((decision) => decision.kind === 'data_leak')).toEqual([
      { kind: 'data_leak', direction: 'response', detector: 'openai_key', path: 'text:0:0', action: 'redact' },
      { kind: 'data_leak', direction: 'response', detector: 'aws_access_key', path: 'tool:1', action: 'redact' },
    ]);
  });

  it('a key split inside itself over 2 to 5 deltas is redacted whole; a key at the very end goes out in a delta just before output_text.done', async () => {
    const { proxy } = start();
    for (let n = 2; n <= 5; n++) {
      up.reply({ kind: 'raw', status: 200, headers: { 'content-type': 'text/event-stream' }, body: rawEvents(['Your key is ', ...pieces(OPENAI_KEY, n), ' so keep it safe.']) });
      const raw = await rawStream(proxy);
      expect(holdsPieceOf(raw, OPENAI_KEY), `${n} deltas`).toBe(false);
      expect(deltasOf(raw), `${n} deltas`).toBe(REDACTED);
      const completed = JSON.parse(parseSSE(raw).at(-1)!.data);
      expect(completed.response.output[0].content[0].text).toBe(REDACTED);
    }
    up.reply({ kind: 'raw', status: 200, headers: { 'content-type': 'text/event-stream' }, body: rawEvents(['key: ', ...pieces(OPENAI_KEY, 3)]) });
    const events = parseSSE(await rawStream(proxy));
    const done = events.findIndex((event) => event.event === 'response.output_text.done');
    expect(JSON.parse(events[done - 1]!.data)).toMatchObject({ type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: '[REDACTED:openai_key]' });
    expect(JSON.parse(events[done]!.data).text).toBe('key: [REDACTED:openai_key]');
  });

  it('a snapshot whose text was never streamed as deltas is scanned whole', async () => {
    const { proxy } = start();
    const body = rawEvents([CONTENT]).split('\n\n').filter((block) => !block.includes('output_text.delta') && !block.includes('output_text.done') && !block.includes('content_part.done') && !block.includes('output_item.done')).join('\n\n');
    up.reply({ kind: 'raw', status: 200, headers: { 'content-type': 'text/event-stream' }, body });
    const raw = await rawStream(proxy);
    expect(holdsPieceOf(raw, OPENAI_KEY)).toBe(false);
    expect(JSON.parse(parseSSE(raw).at(-1)!.data).response.output[0].content[0].text).toBe(REDACTED);
  });

  it('an answer without secrets streams through unchanged, byte for byte', async () => {
    const { proxy } = start();
    const body = rawEvents(['Hello ', 'there, ', 'nothing ', 'secret ', 'here.']);
    up.reply({ kind: 'raw', status: 200, headers: { 'content-type': 'text/event-stream' }, body });
    expect(parseSSE(await rawStream(proxy))).toEqual(parseSSE(body));
  });

  it("secrets: 'block' ends the stream with an error event; the key never goes out", async () => {
    const { proxy } = start({ policies: { dataLeak: { secrets: 'block' } } });
    up.reply({ kind: 'responses', content: CONTENT }, { splitBytes: 7 });
    const raw = await rawStream(proxy);
    expect(holdsPieceOf(raw, OPENAI_KEY)).toBe(false);
    expect(raw).not.toContain('keep it safe');
    expect(raw).not.toContain('response.completed');
  });
});
