/**
 * The five streamed wire formats, as the streaming robustness tests need them: how a client asks
 * for a stream through `proxy.handle`, a golden upstream stream (built with the scripted upstreams'
 * wire builders: multi-byte text, usage), a stream that stops inside a tool call's argument pieces,
 * and how to read the client's output back (its events, the error event the proxy added, whether
 * the format's success terminator is there).
 */
import { createProxy, type Proxy } from '../../src/index.js';
import type { ProxyConfig } from '../../src/config/schema.js';
import { sseEvent, streamEvents } from '../upstream/anthropic-wire.js';
import { sseEvents as geminiSseEvents } from '../upstream/gemini-wire.js';
import { answerLines } from '../upstream/ollama-wire.js';
import { chunkPayloads } from '../upstream/openai-wire.js';
import { encodeEvents, responsesEvents } from '../upstream/openai-responses-wire.js';
import { parseSSE } from './sse.js';

export type FormatId = 'chat' | 'responses' | 'anthropic' | 'gemini' | 'ollama';

export const TEXT = 'Grüezi aus Zürich — 21 °C, sonnig ☀️. 天气很好 🚀 done.';
export const CALL = { id: 'call_s5', name: 'send_email', arguments: '{"to":"ops@example.com","body":"Zürich ☀️"}' };

export interface StreamFormat {
  id: FormatId;
  /** The label used in test names: "S7 (Ollama NDJSON): ...". */
  label: string;
  framing: 'sse' | 'ndjson';
  contentType: string;
  /** A streamed request for `proxy.handle` (`headers` added, e.g. a session id). */
  request(headers?: Record<string, string>, signal?: AbortSignal): Request;
  /** A complete, successful upstream stream, one string per event (SSE framed with LF) or line; the same every call. */
  golden(): string[];
  /** The tokens the golden stream reports, and those known after its first event (null: none yet). */
  usage: { input: number; output: number; partialInput: number | null };
  /** Text events, then a tool call's start and its first argument pieces; never finished. */
  untilToolCall(): string[];
  /** A mid-stream error event in this dialect, as the provider itself sends it. */
  upstreamError(message: string): string;
  /** The client's events (SSE: data and event name; NDJSON: one parsed line each). */
  events(output: string): { event?: string; data: string }[];
  /** The message of the error event the output ends with, or null when it ends otherwise. */
  errorAtEnd(output: string): string | null;
  /** Whether the output carries the format's success terminator (Gemini has none). */
  succeeded(output: string): boolean;
  /** The text the output's events carry. */
  text(output: string): string;
}

const MODEL = { chat: 'gpt-4o-mini', responses: 'gpt-4.1', anthropic: 'claude-sonnet-4-6', gemini: 'gemini-2.5-flash', ollama: 'llama3.2' };

function post(path: string, body: unknown, headers: Record<string, string>, signal?: AbortSignal): Request {
  return new Request(`http://proxy${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), ...(signal ? { signal } : {}) });
}

const lastSse = (output: string) => parseSSE(output).at(-1);
const sseData = (output: string) => parseSSE(output).flatMap((event) => {
  try {
    return [JSON.parse(event.data)];
  } catch {
    return [];
  }
});

const chat: StreamFormat = {
  id: 'chat',
  label: 'OpenAI Chat SSE',
  framing: 'sse',
  contentType: 'text/event-stream; charset=utf-8',
  request: (headers = {}, signal) => post('/openai/chat/completions', { model: MODEL.chat, messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } }, headers, signal),
  golden: () => chunkPayloads({ kind: 'chat', content: TEXT, toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Zürich"}' }], usage: { prompt_tokens: 17, completion_tokens: 29 } }, MODEL.chat, true).map((data) => `data: ${data}\n\n`),
  usage: { input: 17, output: 29, partialInput: null },
  untilToolCall() {
    const all = chunkPayloads({ kind: 'chat', content: 'Sending it now.', toolCalls: [CALL] }, MODEL.chat, true).map((data) => `data: ${data}\n\n`);
    const firstCall = all.findIndex((event) => event.includes('"tool_calls"'));
    return all.slice(0, firstCall + 2);
  },
  upstreamError: (message) => `data: ${JSON.stringify({ error: { message, type: 'server_error', param: null, code: null } })}\n\n`,
  events: (output) => parseSSE(output),
  errorAtEnd(output) {
    const last = lastSse(output);
    if (!last || last.data === '[DONE]') return null;
    const parsed = JSON.parse(last.data);
    return typeof parsed.error?.message === 'string' ? parsed.error.message : null;
  },
  succeeded: (output) => lastSse(output)?.data === '[DONE]',
  text: (output) => sseData(output).map((chunk) => chunk.choices?.[0]?.delta?.content ?? '').join(''),
};

const responses: StreamFormat = {
  id: 'responses',
  label: 'Responses SSE',
  framing: 'sse',
  contentType: 'text/event-stream; charset=utf-8',
  request: (headers = {}, signal) => post('/openai/responses', { model: MODEL.responses, input: 'hi', stream: true }, headers, signal),
  golden: () => encodeEvents(responsesEvents({ kind: 'chat', content: TEXT, usage: { prompt_tokens: 17, completion_tokens: 29 } }, 'resp_s1', MODEL.responses, { model: MODEL.responses, input: 'hi' })),
  usage: { input: 17, output: 29, partialInput: null },
  untilToolCall() {
    const all = encodeEvents(responsesEvents({ kind: 'chat', content: 'Sending it now.', toolCalls: [CALL] }, 'resp_s5', MODEL.responses, { model: MODEL.responses, input: 'hi' }));
    const firstDelta = all.findIndex((event) => event.startsWith('event: response.function_call_arguments.delta'));
    return all.slice(0, firstDelta + 2);
  },
  upstreamError: (message) => `event: error\ndata: ${JSON.stringify({ type: 'error', sequence_number: 99, code: 'server_error', message, param: null })}\n\n`,
  events: (output) => parseSSE(output),
  errorAtEnd(output) {
    const last = lastSse(output);
    if (!last) return null;
    const parsed = JSON.parse(last.data);
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
    return parsed.type === 'error' && typeof parsed.message === 'string' ? parsed.message : null;
  },
  succeeded: (output) => parseSSE(output).some((event) => event.event === 'response.completed'),
  text: (output) => sseData(output).filter((event) => event.type === 'response.output_text.delta').map((event) => event.delta).join(''),
};

const anthropic: StreamFormat = {
  id: 'anthropic',
  label: 'Anthropic SSE',
  framing: 'sse',
  contentType: 'text/event-stream; charset=utf-8',
  request: (headers = {}, signal) =>
    post('/anthropic/v1/messages', { model: MODEL.anthropic, max_tokens: 1024, stream: true, messages: [{ role: 'user', content: 'hi' }] }, { 'anthropic-version': '2023-06-01', ...headers }, signal),
  golden: () => streamEvents({ kind: 'message', text: TEXT, usage: { input_tokens: 17, output_tokens: 29 } }, MODEL.anthropic),
  usage: { input: 17, output: 29, partialInput: 17 },
  untilToolCall() {
    const all = streamEvents({ kind: 'message', text: 'Sending it now.', toolCalls: [{ id: CALL.id, name: CALL.name, input: JSON.parse(CALL.arguments) }] }, MODEL.anthropic);
    const firstDelta = all.findIndex((event) => event.includes('"input_json_delta"') && !event.includes('"partial_json":""'));
    return all.slice(0, firstDelta + 1);
  },
  upstreamError: (message) => sseEvent('error', { type: 'error', error: { type: 'overloaded_error', message } }),
  events: (output) => parseSSE(output),
  errorAtEnd(output) {
    const last = lastSse(output);
    if (last?.event !== 'error') return null;
    return JSON.parse(last.data).error?.message ?? null;
  },
  succeeded: (output) => parseSSE(output).some((event) => event.event === 'message_stop'),
  text: (output) => sseData(output).filter((event) => event.delta?.type === 'text_delta').map((event) => event.delta.text).join(''),
};

const gemini: StreamFormat = {
  id: 'gemini',
  label: 'Gemini SSE',
  framing: 'sse',
  contentType: 'text/event-stream',
  request: (headers = {}, signal) => post(`/gemini/v1beta/models/${MODEL.gemini}:streamGenerateContent?alt=sse`, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }, headers, signal),
  // Google frames with CRLF; the LF form here is turned into every line ending by the tests.
  golden: () => geminiSseEvents({ kind: 'generate', text: TEXT, usage: { prompt: 17, candidates: 29 } }, MODEL.gemini).map((event) => event.replace(/\r\n/g, '\n')),
  usage: { input: 17, output: 29, partialInput: 17 },
  untilToolCall() {
    const all = geminiSseEvents({ kind: 'generate', text: 'Sending it now.', functionCalls: [{ name: CALL.name, args: JSON.parse(CALL.arguments) }] }, MODEL.gemini);
    // A Gemini call comes whole in one event: stop right after it (the stream has not ended).
    return all.slice(0, all.findIndex((event) => event.includes('functionCall')) + 1);
  },
  upstreamError: (message) => `data: ${JSON.stringify({ error: { code: 503, message, status: 'UNAVAILABLE' } })}\r\n\r\n`,
  events: (output) => parseSSE(output),
  errorAtEnd(output) {
    const last = lastSse(output);
    if (!last) return null;
    return JSON.parse(last.data).error?.message ?? null;
  },
  // No terminator: an answer ended well is one whose last event is not an error.
  succeeded: (output) => parseSSE(output).length > 0 && gemini.errorAtEnd(output) === null,
  text: (output) => sseData(output).map((chunk) => (chunk.candidates?.[0]?.content?.parts ?? []).map((part: { text?: string }) => part.text ?? '').join('')).join(''),
};

const ollama: StreamFormat = {
  id: 'ollama',
  label: 'Ollama NDJSON',
  framing: 'ndjson',
  contentType: 'application/x-ndjson',
  request: (headers = {}, signal) => post('/ollama/api/chat', { model: MODEL.ollama, messages: [{ role: 'user', content: 'hi' }], stream: true }, headers, signal),
  golden: () => answerLines('chat', { kind: 'answer', content: TEXT, usage: { prompt_eval_count: 17, eval_count: 29 } }, MODEL.ollama),
  usage: { input: 17, output: 29, partialInput: null },
  untilToolCall() {
    // Ollama sends a call whole on one line: stop right after it, before the done line.
    const all = answerLines('chat', { kind: 'answer', content: 'Sending it now.', toolCalls: [{ name: CALL.name, arguments: JSON.parse(CALL.arguments) }] }, MODEL.ollama);
    return all.slice(0, -1);
  },
  upstreamError: (message) => `${JSON.stringify({ error: message })}\n`,
  events: (output) => output.split('\n').filter((line) => line !== '').map((line) => ({ data: line })),
  errorAtEnd(output) {
    const last = output.split('\n').filter((line) => line !== '').at(-1);
    if (!last) return null;
    const parsed = JSON.parse(last);
    return typeof parsed.error === 'string' ? parsed.error : null;
  },
  succeeded: (output) => output.split('\n').some((line) => line !== '' && JSON.parse(line).done === true),
  text: (output) => output.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line).message?.content ?? '').join(''),
};

/** Builds once: the builders make up ids and timestamps per call. */
function once<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => (made ??= make());
}
for (const format of [chat, responses, anthropic, gemini, ollama]) format.golden = once(format.golden);

export const FORMATS: StreamFormat[] = [chat, responses, anthropic, gemini, ollama];
export const FORMAT: Record<FormatId, StreamFormat> = { chat, responses, anthropic, gemini, ollama };

/**
 * A proxy for every provider, all pointed at `upstreamUrl`, with the streamed-answer data-leak
 * guard off (it holds back text that could still start a secret, which moves event boundaries;
 * the guard's own stream tests are policy-data-leak-stream*.test.ts).
 */
export function proxyFor(upstreamUrl: string, config: ProxyConfig = {}): Proxy {
  return createProxy({
    providers: {
      openai: { baseUrl: `${upstreamUrl}/v1`, apiKey: 'sk-stream-tests' },
      anthropic: { baseUrl: upstreamUrl, apiKey: 'sk-ant-stream-tests' },
      gemini: { baseUrl: upstreamUrl, apiKey: 'gemini-stream-tests' },
      ollama: { baseUrl: upstreamUrl },
    },
    policies: { dataLeak: { secrets: 'off' } },
    ...config,
  });
}
