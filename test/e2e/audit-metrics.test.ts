import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import OpenAI from 'openai';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProxy, createProxyFetch, type Proxy, type ProxyConfig, type ProxyFetchOptions } from '../../src/index.js';
import { sampleValue } from '../helpers/metrics.js';
import { auditRows, chatBody, closedPort, onlyRow, rawChat, rejection } from '../helpers/proxy.js';
import { sseJson } from '../helpers/sse.js';
import { openAIError, type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

const KEY = 'sk-proj-AUDITCANARY7f3e9b0c';
const CONFIGURED_KEY = 'sk-proj-CONFIGCANARY0a1b2c3d';
const IDS = { agentId: 'a1', userId: 'u1', sessionId: 's1', executionId: 'e1' };
const LABELS = { provider: 'openai', model: 'gpt-4o-mini', external_agent_id: 'a1' };

let up: ScriptedOpenAI;
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const opened: Proxy[] = [];

/** A proxy on the scripted upstream, closed after the test; each has its own metrics registry. */
function newProxy(config: ProxyConfig = {}): Proxy {
  // The failures scripted here are about their rows and metrics, not retries (upstream-retries.test.ts).
  const proxy = createProxy({ providers: { openai: { baseUrl: up.baseUrl } }, upstream: { retries: { attempts: 0 } }, ...config });
  opened.push(proxy);
  return proxy;
}

const sdk = (proxy: Proxy, options: ProxyFetchOptions = IDS) => new OpenAI({ apiKey: KEY, maxRetries: 0, fetch: createProxyFetch(proxy, options) });

async function streamText(client: OpenAI): Promise<string> {
  let text = '';
  for await (const chunk of await client.chat.completions.create({ ...chatBody(), stream: true })) text += chunk.choices[0]?.delta.content ?? '';
  return text;
}

beforeAll(async () => {
  up = await startOpenAIUpstream();
  // The proxy's tracer was taken at module load, before this: the API's proxy tracer must delegate.
  expect(trace.setGlobalTracerProvider(tracerProvider)).toBe(true);
});
afterEach(async () => {
  up.reset();
  exporter.reset();
  await Promise.all(opened.splice(0).map((proxy) => proxy.close()));
});
afterAll(async () => {
  trace.disable();
  await tracerProvider.shutdown();
  await up.close();
});

describe('the interaction row', () => {
  it('non-streaming: ids, provider, models, status, usage from `usage`, timings and bodies', async () => {
    const proxy = newProxy();
    up.reply({ kind: 'chat', content: 'Hello there.', model: 'gpt-4o-mini-2024-07-18' });
    const before = Date.now();
    await sdk(proxy).chat.completions.create(chatBody('what is 2+2?'));
    const row = await onlyRow(proxy, {});
    expect(row).toMatchObject({
      proxyId: 'default', provider: 'openai', operation: 'chat', model: 'gpt-4o-mini', responseModel: 'gpt-4o-mini-2024-07-18',
      agentId: 'a1', userId: 'u1', sessionId: 's1', executionId: 'e1', status: 200, outcome: 'ok', error: null, stream: false,
      inputTokens: 12, outputTokens: 7, timeToFirstTokenMs: null,
    });
    expect(row.durationMs).toBeGreaterThan(0);
    expect(Date.parse(row.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(JSON.parse(row.requestBody!)).toEqual(chatBody('what is 2+2?'));
    expect(JSON.parse(row.responseBody!).choices[0].message.content).toBe('Hello there.');
  });

  it('streaming: usage from the final usage chunk, time to first token, the stream as the client saw it', async () => {
    const proxy = newProxy();
    up.reply({ kind: 'chat', content: 'One two three.', usage: { prompt_tokens: 5, completion_tokens: 6 }, model: 'gpt-4o-mini-2024-07-18' }, { chunkDelayMs: 5 });
    expect(await streamText(sdk(proxy))).toBe('One two three.');
    const row = await onlyRow(proxy, {});
    expect(row).toMatchObject({ stream: true, status: 200, outcome: 'ok', inputTokens: 5, outputTokens: 6, responseModel: 'gpt-4o-mini-2024-07-18', agentId: 'a1', executionId: 'e1' });
    expect(row.timeToFirstTokenMs).toEqual(expect.any(Number));
    expect(row.timeToFirstTokenMs!).toBeGreaterThanOrEqual(0);
    expect(row.durationMs).toBeGreaterThan(row.timeToFirstTokenMs!);
    expect(JSON.parse(row.requestBody!)).toMatchObject({ stream: true });
    const events = sseJson(row.responseBody!);
    expect(events.map((e) => e.choices[0]?.delta.content ?? '').join('')).toBe('One two three.');
  });

  it('audit.bodies false: the row keeps everything but the bodies', async () => {
    const proxy = newProxy({ audit: { bodies: false } });
    await sdk(proxy).chat.completions.create(chatBody());
    await streamText(sdk(proxy));
    const rows = await auditRows(proxy);
    expect(rows.map((r) => [r.stream, r.requestBody, r.responseBody, r.inputTokens])).toEqual([[false, null, null, 12], [true, null, null, 12]]);
  });

  it('one row per request, refused and failed ones included', async () => {
    const proxy = newProxy();
    await sdk(proxy).chat.completions.create(chatBody());
    await rejection(sdk(proxy).chat.completions.create(chatBody(), { headers: { 'X-Archestra-Meta': 'a/b' } }));
    await rejection(sdk(proxy).files.list());
    up.replyOnce({ kind: 'error', status: 429, body: openAIError('Rate limit reached', 'requests', 'rate_limit_exceeded') });
    await rejection(sdk(proxy).chat.completions.create(chatBody()));
    const rows = await auditRows(proxy);
    expect(rows.map((r) => [r.status, r.outcome])).toEqual([[200, 'ok'], [400, 'rejected'], [404, 'rejected'], [429, 'upstream_error']]);
    expect(rows[1]!.error).toContain('X-Archestra-Meta');
  });

  it('a client that aborts mid-stream: the loop ends quietly as with the SDK\'s own fetch, the upstream is aborted, the row says client_aborted', async () => {
    const proxy = newProxy();
    up.reply({ kind: 'chat', content: 'one two three four five' }, { hangAfterEvents: 3 });
    /** Reads two chunks, aborts, and returns whatever the loop threw. */
    const abortAfterTwo = async (client: OpenAI) => {
      const abort = new AbortController();
      let chunks = 0;
      try {
        for await (const _chunk of await client.chat.completions.create({ ...chatBody(), stream: true }, { signal: abort.signal })) if (++chunks === 2) abort.abort();
      } catch (error) {
        return error;
      }
      await up.waitForAbort();
      return undefined;
    };
    expect(await abortAfterTwo(new OpenAI({ apiKey: KEY, maxRetries: 0, baseURL: up.baseUrl }))).toBeUndefined();
    expect(await abortAfterTwo(sdk(proxy))).toBeUndefined();
    expect(await onlyRow(proxy, {})).toMatchObject({ stream: true, outcome: 'client_aborted' });
  });

  it('holds no API key anywhere: not in rows, metrics or spans, whatever the outcome', async () => {
    const proxy = newProxy({ providers: { openai: { baseUrl: up.baseUrl, apiKey: CONFIGURED_KEY } } });
    const dead = newProxy({ providers: { openai: { baseUrl: `http://127.0.0.1:${await closedPort()}/v1` } } });
    await sdk(proxy).chat.completions.create(chatBody());
    await streamText(sdk(proxy));
    await (await proxy.handle(rawChat())).text(); // the configured key
    await rejection(sdk(proxy).chat.completions.create(chatBody(), { headers: { 'X-Archestra-Meta': 'x/y/z/w' } }));
    up.replyOnce({ kind: 'error', status: 401, body: openAIError('Incorrect API key provided: sk-proj-****9b0c.', 'invalid_request_error', 'invalid_api_key') });
    await rejection(sdk(proxy).chat.completions.create(chatBody()));
    await (await proxy.handle(rawChat(chatBody(), { authorization: `Bearer ${KEY} trailing` }))).text(); // malformed Authorization
    await rejection(sdk(dead).chat.completions.create(chatBody()));
    expect(up.requests.map((r) => r.headers.authorization)).toContain(`Bearer ${CONFIGURED_KEY}`);

    const rows = [...(await auditRows(proxy)), ...(await auditRows(dead))];
    expect(rows).toHaveLength(7);
    const sinks = [JSON.stringify(rows), await proxy.registry.metrics(), await dead.registry.metrics(), JSON.stringify(exporter.getFinishedSpans().map((s) => s.attributes))];
    for (const sink of sinks) {
      expect(sink).not.toContain('AUDITCANARY');
      expect(sink).not.toContain('CONFIGCANARY');
    }
  });
});

describe('metrics', () => {
  it('request duration by status, tokens by type, time to first byte; first token and throughput for streams', async () => {
    const proxy = newProxy();
    await sdk(proxy).chat.completions.create(chatBody());
    let text = await proxy.registry.metrics();
    expect(text).toContain('llm_request_duration_seconds_count{provider="openai",model="gpt-4o-mini",external_agent_id="a1",status_code="200"} 1');
    expect(sampleValue(text, 'llm_tokens_total', { ...LABELS, type: 'input' })).toBe(12);
    expect(sampleValue(text, 'llm_tokens_total', { ...LABELS, type: 'output' })).toBe(7);
    expect(sampleValue(text, 'llm_time_to_first_byte_seconds_count', LABELS)).toBe(1);
    expect(sampleValue(text, 'llm_time_to_first_token_seconds_count', LABELS)).toBeUndefined();

    up.reply({ kind: 'chat', content: 'a b c d', usage: { prompt_tokens: 5, completion_tokens: 6 } }, { chunkDelayMs: 5 });
    await streamText(sdk(proxy));
    text = await proxy.registry.metrics();
    expect(sampleValue(text, 'llm_request_duration_seconds_count', { ...LABELS, status_code: '200' })).toBe(2);
    expect(sampleValue(text, 'llm_request_duration_seconds_sum', { ...LABELS, status_code: '200' })).toBeGreaterThan(0);
    expect(sampleValue(text, 'llm_tokens_total', { ...LABELS, type: 'input' })).toBe(17);
    expect(sampleValue(text, 'llm_tokens_total', { ...LABELS, type: 'output' })).toBe(13);
    expect(sampleValue(text, 'llm_time_to_first_token_seconds_count', LABELS)).toBe(1);
    expect(sampleValue(text, 'llm_time_to_first_byte_seconds_count', LABELS)).toBe(2);
    expect(sampleValue(text, 'llm_tokens_per_second_count', LABELS)).toBe(1);
    expect(sampleValue(text, 'llm_tokens_per_second_sum', LABELS)).toBeGreaterThan(0);
  });

  it('status_code is the status the client got', async () => {
    const proxy = newProxy();
    up.replyOnce({ kind: 'error', status: 500, body: openAIError('boom', 'server_error') });
    await rejection(sdk(proxy).chat.completions.create(chatBody()));
    expect(sampleValue(await proxy.registry.metrics(), 'llm_request_duration_seconds_count', { ...LABELS, status_code: '500' })).toBe(1);
  });

  it('agent_executions_total counts unique execution ids per agent', async () => {
    const proxy = newProxy();
    for (const ids of [{ agentId: 'a1', executionId: 'e1' }, { agentId: 'a1', executionId: 'e2' }, { agentId: 'a1', executionId: 'e1' }, { agentId: 'a1' }, { agentId: 'a2', executionId: 'e1' }]) {
      await sdk(proxy, ids).chat.completions.create(chatBody());
    }
    const text = await proxy.registry.metrics();
    expect(text).toContain('agent_executions_total{external_agent_id="a1"} 2');
    expect(sampleValue(text, 'agent_executions_total', { external_agent_id: 'a2' })).toBe(1);
    expect(sampleValue(text, 'llm_request_duration_seconds_count', { ...LABELS, status_code: '200' })).toBe(4);
  });

  it('a prom-client Registry passed in metrics.registry receives the metrics', async () => {
    const registry = new Registry();
    const proxy = newProxy({ metrics: { registry } });
    expect(proxy.registry).toBe(registry);
    await sdk(proxy).chat.completions.create(chatBody());
    const text = await registry.metrics();
    expect(sampleValue(text, 'llm_request_duration_seconds_count', { ...LABELS, status_code: '200' })).toBe(1);
    expect(sampleValue(text, 'llm_tokens_total', { ...LABELS, type: 'output' })).toBe(7);
  });
});

describe('tracing', () => {
  it('one CLIENT span per request with the GenAI attributes and the session as conversation id', async () => {
    const proxy = newProxy();
    up.reply({ kind: 'chat', content: 'hi', model: 'gpt-4o-mini-2024-07-18' });
    await sdk(proxy, { ...IDS, sessionId: 'trace-session-1' }).chat.completions.create(chatBody());
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    const [span] = spans;
    expect(span!.name).toBe('chat gpt-4o-mini');
    expect(span!.kind).toBe(SpanKind.CLIENT);
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
    expect(span!.attributes).toMatchObject({
      'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18', 'gen_ai.usage.input_tokens': 12, 'gen_ai.usage.output_tokens': 7,
      'gen_ai.conversation.id': 'trace-session-1', 'http.response.status_code': 200, 'server.address': new URL(up.url).host,
    });
  });

  it('a streamed request: one span, ended with the usage of the final chunk', async () => {
    const proxy = newProxy();
    up.reply({ kind: 'chat', content: 'x y', usage: { prompt_tokens: 3, completion_tokens: 4 } });
    const client = sdk(proxy, { ...IDS, sessionId: 'trace-session-2' });
    await streamText(client);
    await client.chat.completions.create(chatBody());
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(2);
    expect(spans[0]!.attributes).toMatchObject({ 'gen_ai.request.streaming': true, 'gen_ai.usage.input_tokens': 3, 'gen_ai.usage.output_tokens': 4, 'gen_ai.conversation.id': 'trace-session-2' });
    expect(spans[1]!.attributes).toMatchObject({ 'gen_ai.request.streaming': false });
  });

  it('an unreachable upstream: the span ends with an error status', async () => {
    const dead = newProxy({ providers: { openai: { baseUrl: `http://127.0.0.1:${await closedPort()}/v1` } } });
    await rejection(sdk(dead).chat.completions.create(chatBody()));
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(spans[0]!.attributes).toMatchObject({ 'http.response.status_code': 502, 'error.type': expect.any(String) });
  });
});
