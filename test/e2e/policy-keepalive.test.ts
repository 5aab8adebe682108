/**
 * S13 in the other SSE formats: while a streamed tool call waits for its decision on a slow
 * upstream, the client gets keep-alive comments, and each SDK's stream helper still reads the
 * answer whole (Anthropic `messages.stream().finalMessage()`, Gemini `generateContentStream`,
 * Responses `responses.stream().finalResponse()`).
 */
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { type ProxyConfig, createProxyFetch } from '../../src/index.js';
import { clearAnthropicEnv, MODEL as CLAUDE } from '../helpers/anthropic-way-in.js';
import { clearGeminiEnv } from '../helpers/gemini-way-in.js';
import { suiteProxies } from '../helpers/proxy.js';
import { startAnthropicUpstream } from '../upstream/anthropic.js';
import { startGeminiUpstream } from '../upstream/gemini.js';
import { startOpenAIUpstream } from '../upstream/openai.js';

const policies: ProxyConfig['policies'] = { holdKeepAliveMs: 30, tools: [{ tool: 'read_*', action: 'allow' }] };
const SLOW = { chunkDelayMs: 100 };

/** A fetch that hands the SDK the proxy's answer and keeps a copy of the bytes it read. */
function recordingFetch(inner: typeof fetch): { fetch: typeof fetch; text: () => string } {
  let seen = '';
  const decoder = new TextDecoder();
  const wrapped = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const response = await inner(input, init);
    if (!response.body) return response;
    const tee = response.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += decoder.decode(chunk, { stream: true });
        controller.enqueue(chunk);
      },
    }));
    return new Response(tee, { status: response.status, headers: response.headers });
  }) as typeof fetch;
  return { fetch: wrapped, text: () => seen };
}

describe('S13 keep-alives, Anthropic Messages', async () => {
  const restoreEnv = clearAnthropicEnv();
  const up = await startAnthropicUpstream();
  const proxies = suiteProxies(() => up.close(), restoreEnv);
  it('a held tool call on a slow upstream: comments go out, finalMessage() reads the call', async () => {
    const proxy = proxies.create({ providers: { anthropic: { baseUrl: up.url } }, policies });
    const recording = recordingFetch(createProxyFetch(proxy));
    up.reply({ kind: 'message', text: 'Reading it.', toolCalls: [{ id: 'toolu_file', name: 'read_file', input: { path: 'notes.txt' } }] }, SLOW);
    const client = new Anthropic({ apiKey: 'sk-ant-api03-keepalive', fetch: recording.fetch, maxRetries: 0 });
    const final = await client.messages.stream({ model: CLAUDE, max_tokens: 100, messages: [{ role: 'user', content: 'Read notes.txt' }], tools: [{ name: 'read_file', input_schema: { type: 'object' } }] }).finalMessage();
    expect(final.content.map((block) => block.type)).toEqual(['text', 'tool_use']);
    expect(recording.text()).toContain(': keep-alive');
    expect(recording.text().indexOf('event: message_start')).toBe(0);
  });
});

describe('S13 keep-alives, Gemini streamGenerateContent', async () => {
  const restoreEnv = clearGeminiEnv();
  const up = await startGeminiUpstream();
  const proxies = suiteProxies(() => up.close(), restoreEnv);
  it('a held function call on a slow upstream: comments go out, generateContentStream reads the call', async () => {
    const proxy = proxies.create({ providers: { gemini: { baseUrl: up.url } }, policies });
    const recording = recordingFetch(createProxyFetch(proxy));
    // The call comes first, the end of the answer later (a slow model still thinking).
    const chunk = (parts: object[], final: boolean) => `data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts }, index: 0, ...(final ? { finishReason: 'STOP' } : {}) }], modelVersion: 'gemini-2.5-flash' })}\r\n\r\n`;
    const first = chunk([{ functionCall: { id: 'call_file', name: 'read_file', args: { path: 'notes.txt' } } }], false);
    const body = first + chunk([{ text: '' }], true);
    up.reply({ kind: 'raw', status: 200, headers: { 'content-type': 'text/event-stream' }, body }, { splitBytes: Buffer.byteLength(first), chunkDelayMs: 100 });
    const client = new GoogleGenAI({ apiKey: 'AIzaSyKeepAliveTestKey-000', httpOptions: { fetch: recording.fetch } });
    const calls: string[] = [];
    for await (const chunk of await client.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Read notes.txt', config: { tools: [{ functionDeclarations: [{ name: 'read_file' }] }] } })) {
      calls.push(...(chunk.functionCalls ?? []).map((call) => call.name ?? ''));
    }
    expect(calls).toEqual(['read_file']);
    expect(recording.text()).toContain(': keep-alive');
  });
});

describe('S13 keep-alives, OpenAI Responses', async () => {
  const up = await startOpenAIUpstream();
  const proxies = suiteProxies(() => up.close());
  it('a held function call on a slow upstream: comments go out, finalResponse() reads the call', async () => {
    const proxy = proxies.create({ providers: { openai: { baseUrl: up.baseUrl } }, policies });
    const recording = recordingFetch(createProxyFetch(proxy));
    up.reply({ kind: 'responses', content: 'Reading it.', toolCalls: [{ id: 'call_file', name: 'read_file', arguments: '{"path":"notes.txt"}' }] }, SLOW);
    const client = new OpenAI({ apiKey: 'sk-test', fetch: recording.fetch, maxRetries: 0 });
    const final = await client.responses.stream({ model: 'gpt-4o-mini', input: 'Read notes.txt', tools: [{ type: 'function', name: 'read_file', parameters: { type: 'object', properties: {} }, strict: false }] }).finalResponse();
    expect(final.output.filter((item) => item.type === 'function_call').map((item) => (item.type === 'function_call' ? item.name : ''))).toEqual(['read_file']);
    expect(recording.text()).toContain(': keep-alive');
  });
});
