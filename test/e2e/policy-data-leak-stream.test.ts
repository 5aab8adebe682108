/**
 * S8: data-leak guards on streamed answers. A secret split over several deltas (by words, inside
 * the key itself, by bytes on the wire) is never emitted unredacted, and the streamed answer
 * reassembles to what the same answer gives without streaming.
 */
import { readFileSync } from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsAccessKey, openaiKey, seeded } from '../../src/policy/data-leak/__fixtures__/values.js';
import { type Proxy, type ProxyConfig, createProxy, createProxyFetch } from '../../src/index.js';
import { auditRows, chatBody, rawChat, rawRequest } from '../helpers/proxy.js';
import { parseSSE } from '../helpers/sse.js';
import { type ScriptedAnthropic, startAnthropicUpstream } from '../upstream/anthropic.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

/** Keys are built at run time, so no secret-looking literal sits in the repository. */
const random = seeded(1);
const OPENAI_KEY = openaiKey(random);
const AWS_KEY = awsAccessKey(random);
const CONTENT = `Your key is ${OPENAI_KEY} so keep it safe.`;
const REDACTED = 'Your key is [REDACTED:openai_key] so keep it safe.';
const TOOLS = [{ type: 'function' as const, function: { name: 'store', parameters: { type: 'object' } } }];

/** Whether `text` holds any 12-character piece of `secret` (a key released in part). */
function holdsPieceOf(text: string, secret: string): boolean {
  for (let i = 0; i + 12 <= secret.length; i++) if (text.includes(secret.slice(i, i + 12))) return true;
  return false;
}

/** A raw Chat Completions SSE body whose content arrives as exactly these deltas. */
function rawChunks(deltas: readonly string[], options: { usage?: boolean; toolArguments?: readonly string[] } = {}): string {
  const base = { id: 'chatcmpl-raw', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-mini', system_fingerprint: 'fp_raw' };
  const chunk = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
  let out = chunk({ role: 'assistant', content: '' });
  for (const delta of deltas) out += chunk({ content: delta });
  if (options.toolArguments) {
    out += chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'store', arguments: '' } }] });
    for (const piece of options.toolArguments) out += chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] });
  }
  out += chunk({}, options.toolArguments ? 'tool_calls' : 'stop');
  if (options.usage) out += `data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 } })}\n\n`;
  return `${out}data: [DONE]\n\n`;
}

/** Splits `text` into `n` pieces of about equal length. */
function pieces(text: string, n: number): string[] {
  const size = Math.ceil(text.length / n);
  return Array.from({ length: n }, (_, i) => text.slice(i * size, (i + 1) * size));
}

describe('S8: data-leak guards on streamed answers (OpenAI Chat Completions)', () => {
  let up: ScriptedOpenAI;
  const proxies: Proxy[] = [];

  function start(config: ProxyConfig = {}): { proxy: Proxy; client: OpenAI } {
    const proxy = createProxy({ providers: { openai: { baseUrl: up.baseUrl } }, ...config });
    proxies.push(proxy);
    return { proxy, client: new OpenAI({ apiKey: 'sk-test', fetch: createProxyFetch(proxy), maxRetries: 0 }) };
  }

  /** The raw SSE body the client gets for a streamed chat request. */
  async function rawStream(proxy: Proxy, extra: Record<string, unknown> = {}): Promise<string> {
    const response = await proxy.handle(rawChat(chatBody('what is my key', { stream: true, ...extra }), { authorization: 'Bearer sk-test' }));
    expect(response.status).toBe(200);
    return response.text();
  }

  /** The content deltas of a raw SSE body, joined. */
  function contentOf(raw: string): string {
    return parseSSE(raw)
      .filter((event) => event.data !== '[DONE]')
      .map((event) => JSON.parse(event.data).choices?.[0]?.delta?.content ?? '')
      .join('');
  }

  beforeAll(async () => {
    up = await startOpenAIUpstream();
  });
  afterAll(async () => {
    for (const proxy of proxies) await proxy.close();
    await up.close();
  });

  it('a key in the answer, word by word and cut into bytes (1/7/64) on the wire: the stream reassembles to the redacted JSON answer, and the key never goes out', async () => {
    const { proxy, client } = start();
    up.reply({ kind: 'chat', content: CONTENT });
    const whole = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'what is my key' }] });
    expect(whole.choices[0]!.message.content).toBe(REDACTED);

    for (const splitBytes of [undefined, 1, 7, 64]) {
      up.reply({ kind: 'chat', content: CONTENT }, splitBytes ? { splitBytes } : {});
      const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'what is my key' }], stream: true });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      expect(text, `splitBytes ${splitBytes}`).toBe(whole.choices[0]!.message.content);

      const raw = await rawStream(proxy);
      expect(holdsPieceOf(raw, OPENAI_KEY), `splitBytes ${splitBytes}`).toBe(false);
      expect(contentOf(raw)).toBe(REDACTED);
    }
    const rows = await auditRows(proxy);
    expect(JSON.stringify(rows)).not.toContain(OPENAI_KEY);
    expect(rows.at(-1)?.decisions).toEqual([{ kind: 'data_leak', direction: 'response', detector: 'openai_key', path: 'text:0', action: 'redact' }]);
    expect(rows.at(-1)?.responseBody).toContain('[REDACTED:openai_key]');
  });

  it('a key split inside itself over 2 to 5 deltas is redacted whole, with the same text as the whole answer', async () => {
    const { proxy } = start();
    for (let n = 2; n <= 5; n++) {
      const deltas = ['Your key is ', ...pieces(OPENAI_KEY, n), ' so keep it safe.'];
      up.reply({ kind: 'raw', status: 200, headers: { 'content-type': 'text/event-stream' }, body: rawChunks(deltas) });
      const raw = await rawStream(proxy);
      expect(holdsPieceOf(raw, OPENAI_KEY), `${n} deltas`).toBe(false);
      expect(contentOf(raw), `${n} deltas`).toBe(REDACTED);
      expect(parseSSE(raw).at(-1)?.data).toBe('[DONE]');
    }
    // A key at the very end of the answer is released, redacted, in the finishing chunk.
    up.reply({ kind: 'raw', status: 200, headers: { 'content-type': 'text/event-stream' }, body: rawChunks(['key: ', ...pieces(OPENAI_KEY, 3)]) });
    const raw = await rawStream(proxy);
    expect(contentOf(raw)).toBe('key: [REDACTED:openai_key]');
    const finishing = parseSSE(raw).map((event) => event.data).find((data) => data.includes('"finish_reason":"stop"'));
    expect(JSON.parse(finishing!).choices[0].delta.content).toBe('[REDACTED:openai_key]');

    // No finishing chunk at all: the tail goes out in a chunk of its own, just before [DONE].
    const body = rawChunks(['key: ', ...pieces(OPENAI_KEY, 3)], { usage: true }).replace(/data: [^\n]*"finish_reason":"stop"[^\n]*\n\n/, '');
    up.reply({ kind: 'raw', status: 200, headers: { 'content-type': 'text/event-stream' }, body });
    const unfinished = await rawStream(proxy, { stream_options: { include_usage: true } });
    expect(contentOf(unfinished)).toBe('key: [REDACTED:openai_key]');
    const events = parseSSE(unfinished);
    expect(events.at(-1)?.data).toBe('[DONE]');
    expect(JSON.parse(events.at(-2)!.data)).toMatchObject({ id: 'chatcmpl-raw', model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: '[REDACTED:openai_key]' } }] });
  });

  it('a key in streamed tool-call arguments is redacted and the arguments stay valid JSON (held for the tool policy too)', async () => {
    for (const config of [{}, { policies: { tools: [{ tool: '*', action: 'allow' as const }] } }]) {
      const { proxy, client } = start(config);
      const toolCalls = [{ id: 'call_1', name: 'store', arguments: JSON.stringify({ value: AWS_KEY, note: 'ok' }) }];
      up.reply({ kind: 'chat', content: 'Storing it.', toolCalls });
      const whole = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'store it' }], tools: TOOLS });
      const stream = client.chat.completions.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'store it' }], tools: TOOLS });
      const streamed = await stream.finalChatCompletion();
      const call = streamed.choices[0]!.message.tool_calls?.[0];
      expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ value: '[REDACTED:aws_access_key]', note: 'ok' });
      expect(streamed.choices[0]!.message.tool_calls).toEqual(whole.choices[0]!.message.tool_calls);
      expect(streamed.choices[0]!.message.content).toBe('Storing it.');

      const raw = await rawStream(proxy, { tools: TOOLS });
      expect(raw).not.toContain(AWS_KEY);
      const rows = await auditRows(proxy);
      expect(JSON.stringify(rows)).not.toContain(AWS_KEY);
      expect(rows.at(-1)?.decisions).toContainEqual({ kind: 'data_leak', direction: 'response', detector: 'aws_access_key', path: 'tool:0:0', action: 'redact' });
    }
  });

  it('a tool call refused by policy is still taken out of a redacted stream', async () => {
    const { proxy, client } = start({ policies: { tools: [{ tool: 'store', action: 'block' }] } });
    up.reply({ kind: 'chat', content: `My key ${OPENAI_KEY} is here.`, toolCalls: [{ id: 'call_1', name: 'store', arguments: JSON.stringify({ value: AWS_KEY }) }] });
    const streamed = await client.chat.completions.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'store it' }], tools: TOOLS }).finalChatCompletion();
    expect(streamed.choices[0]!.message.tool_calls ?? []).toEqual([]);
    expect(streamed.choices[0]!.message.content).toContain('My key [REDACTED:openai_key] is here.');
    expect(JSON.stringify(await auditRows(proxy))).not.toContain(OPENAI_KEY);
  });

  it("secrets: 'block' ends the stream with an error event; the key never goes out", async () => {
    const { proxy, client } = start({ policies: { dataLeak: { secrets: 'block' } } });
    for (const splitBytes of [undefined, 7]) {
      up.reply({ kind: 'chat', content: CONTENT }, splitBytes ? { splitBytes } : {});
      const raw = await rawStream(proxy);
      expect(holdsPieceOf(raw, OPENAI_KEY)).toBe(false);
      const events = parseSSE(raw);
      expect(events.at(-1)?.data).toContain('"error"');
      expect(events.at(-1)?.data).toContain('openai_key');
      expect(raw).not.toContain('[DONE]');
      expect(raw).not.toContain('keep it safe');
    }
    up.reply({ kind: 'chat', content: CONTENT });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'what is my key' }], stream: true });
    let text = '';
    const error = await (async () => {
      try {
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(text).not.toContain(OPENAI_KEY.slice(0, 12));
    const rows = await auditRows(proxy);
    expect(JSON.stringify(rows)).not.toContain(OPENAI_KEY);
    expect(rows.at(-1)?.decisions).toEqual([{ kind: 'data_leak', direction: 'response', detector: 'openai_key', path: 'text:0', action: 'block' }]);
  });

  it('shadow mode: the client gets the original stream, the audit row a redacted copy and the findings', async () => {
    const { proxy, client } = start({ policies: { mode: 'shadow' } });
    up.reply({ kind: 'chat', content: CONTENT }, { splitBytes: 7 });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'what is my key' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe(CONTENT);
    const [row] = await auditRows(proxy);
    expect(row?.decisions).toEqual([{ kind: 'data_leak', direction: 'response', detector: 'openai_key', path: 'text:0', action: 'redact' }]);
    expect(row?.responseBody).not.toContain(OPENAI_KEY);
    expect(contentOf(row!.responseBody!)).toBe(REDACTED);
  });

  it('usage and [DONE] are unaffected: asked-for usage reaches the client, injected usage stays hidden', async () => {
    const { proxy, client } = start();
    up.reply({ kind: 'chat', content: CONTENT, usage: { prompt_tokens: 11, completion_tokens: 22 } });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
    let usage: OpenAI.CompletionUsage | null | undefined;
    let text = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(REDACTED);
    expect(usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 22 });

    const raw = await rawStream(proxy);
    const events = parseSSE(raw);
    expect(events.at(-1)?.data).toBe('[DONE]');
    expect(events.some((event) => event.data.includes('"usage":{'))).toBe(false);
    const rows = await auditRows(proxy);
    expect(rows.at(-1)).toMatchObject({ inputTokens: 11, outputTokens: 22 });
  });

  it('an answer without secrets streams through unchanged, byte for byte', async () => {
    const { proxy } = start();
    const body = rawChunks(['Hello ', 'there, ', 'nothing ', 'secret ', 'here.'], { usage: true });
    up.reply({ kind: 'raw', status: 200, headers: { 'content-type': 'text/event-stream' }, body });
    const response = await proxy.handle(rawChat(chatBody('hi', { stream: true, stream_options: { include_usage: true } }), { authorization: 'Bearer sk-test' }));
    const raw = await response.text();
    expect(contentOf(raw)).toBe('Hello there, nothing secret here.');
    expect(parseSSE(raw).length).toBe(parseSSE(body).length);
  });

  it('legacy Completions streams are redacted too', async () => {
    const { proxy } = start();
    up.reply({ kind: 'chat', content: CONTENT }, { splitBytes: 7 });
    const response = await proxy.handle(rawRequest('/openai/completions', { body: { model: 'gpt-3.5-turbo-instruct', prompt: 'key?', stream: true }, headers: { authorization: 'Bearer sk-test' } }));
    const raw = await response.text();
    expect(holdsPieceOf(raw, OPENAI_KEY)).toBe(false);
    const text = parseSSE(raw)
      .filter((event) => event.data !== '[DONE]')
      .map((event) => JSON.parse(event.data).choices?.[0]?.text ?? '')
      .join('');
    expect(text).toBe(REDACTED);
  });
});

describe('S8: data-leak guards on streamed answers (Anthropic Messages)', () => {
  let up: ScriptedAnthropic;
  const proxies: Proxy[] = [];

  function start(config: ProxyConfig = {}): { proxy: Proxy; client: Anthropic } {
    const proxy = createProxy({ providers: { anthropic: { baseUrl: up.url } }, ...config });
    proxies.push(proxy);
    return { proxy, client: new Anthropic({ apiKey: 'sk-ant-test', baseURL: up.url, fetch: createProxyFetch(proxy), maxRetries: 0 }) };
  }

  async function rawStream(proxy: Proxy, body: Record<string, unknown> = {}): Promise<string> {
    const request = rawRequest('/anthropic/v1/messages', {
      body: { model: 'claude-sonnet-4-6', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'key?' }], ...body },
      headers: { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' },
    });
    const response = await proxy.handle(request);
    expect(response.status).toBe(200);
    return response.text();
  }

  beforeAll(async () => {
    up = await startAnthropicUpstream();
  });
  afterAll(async () => {
    for (const proxy of proxies) await proxy.close();
    await up.close();
  });

  it('text and tool input: redacted as in the whole answer, the tail before its block stops, the key never sent', async () => {
    const { proxy, client } = start();
    const tools = [{ name: 'store', input_schema: { type: 'object' as const } }];
    const reply = { kind: 'message' as const, text: `Your key is ${OPENAI_KEY}`, toolCalls: [{ id: 'toolu_1', name: 'store', input: { value: AWS_KEY } }] };
    up.reply(reply);
    const whole = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'key?' }], tools });
    expect(whole.content[0]).toMatchObject({ type: 'text', text: 'Your key is [REDACTED:openai_key]' });
    expect(whole.content[1]).toMatchObject({ type: 'tool_use', input: { value: '[REDACTED:aws_access_key]' } });
    for (const splitBytes of [undefined, 1, 7, 64]) {
      up.reply(reply, splitBytes ? { splitBytes } : {});
      const streamed = await client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'key?' }], tools }).finalMessage();
      expect(streamed.content, `splitBytes ${splitBytes}`).toEqual(whole.content);
      const raw = await rawStream(proxy, { tools });
      expect(holdsPieceOf(raw, OPENAI_KEY)).toBe(false);
      expect(raw).not.toContain(AWS_KEY);
      // The text's tail goes out before its block's stop.
      const events = parseSSE(raw);
      const stop = events.findIndex((event) => event.event === 'content_block_stop');
      expect(JSON.parse(events[stop - 1]!.data)).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '[REDACTED:openai_key]' } });
      expect(events.at(-1)?.event).toBe('message_stop');
    }
    const rows = await auditRows(proxy);
    expect(JSON.stringify(rows)).not.toContain(OPENAI_KEY);
    expect(JSON.stringify(rows)).not.toContain(AWS_KEY);
    expect(rows.at(-1)?.decisions?.filter((decision) => decision.kind === 'data_leak')).toEqual([
      { kind: 'data_leak', direction: 'response', detector: 'openai_key', path: 'text:0', action: 'redact' },
      { kind: 'data_leak', direction: 'response', detector: 'aws_access_key', path: 'tool:1', action: 'redact' },
    ]);
  });

  it('golden streams without secrets: every block reassembles to the same text and input (only delta boundaries move)', async () => {
    const { proxy } = start();
    /** Each content block's text deltas and input pieces, joined. */
    const blocks = (raw: string) => {
      const out = new Map<number, string>();
      for (const event of parseSSE(raw)) {
        if (event.event !== 'content_block_delta') continue;
        const payload = JSON.parse(event.data);
        out.set(payload.index, (out.get(payload.index) ?? '') + (payload.delta.text ?? payload.delta.partial_json ?? payload.delta.thinking ?? ''));
      }
      return out;
    };
    for (const name of ['text.sse', 'tool-use.sse', 'parallel-tool-use.sse', 'thinking.sse']) {
      const fixture = readFileSync(new URL(`../../src/providers/anthropic/__fixtures__/${name}`, import.meta.url), 'utf8');
      up.reply({ kind: 'raw', status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' }, body: fixture }, { splitBytes: 7 });
      const raw = await rawStream(proxy);
      expect(blocks(raw), name).toEqual(blocks(fixture));
      expect(parseSSE(raw).filter((event) => event.event !== 'content_block_delta'), name).toEqual(parseSSE(fixture).filter((event) => event.event !== 'content_block_delta'));
    }
  });

  it("secrets: 'block' ends the stream with an error event; shadow mode sends the original and audits a redacted copy", async () => {
    const { proxy: blocking } = start({ policies: { dataLeak: { secrets: 'block' } } });
    up.reply({ kind: 'message', text: `Your key is ${OPENAI_KEY} so keep it safe.` }, { splitBytes: 7 });
    const raw = await rawStream(blocking);
    expect(holdsPieceOf(raw, OPENAI_KEY)).toBe(false);
    expect(parseSSE(raw).at(-1)).toMatchObject({ event: 'error' });
    expect(raw).not.toContain('message_stop');

    const { proxy: shadow, client } = start({ policies: { mode: 'shadow' } });
    up.reply({ kind: 'message', text: `Your key is ${OPENAI_KEY} so keep it safe.` }, { splitBytes: 7 });
    const message = await client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'key?' }] }).finalMessage();
    expect(message.content[0]).toMatchObject({ text: `Your key is ${OPENAI_KEY} so keep it safe.` });
    const [row] = await auditRows(shadow);
    expect(row?.responseBody).not.toContain(OPENAI_KEY);
    expect(row?.responseBody).toContain('[REDACTED:openai_key]');
    expect(row?.decisions).toEqual([{ kind: 'data_leak', direction: 'response', detector: 'openai_key', path: 'text:0', action: 'redact' }]);
  });
});
