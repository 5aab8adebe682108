/**
 * The cases every server way in must pass with the real Anthropic SDK: one `describe` block, run
 * by test/e2e/anthropic-ways-in.test.ts once per server (see `Mount`).
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sampleValue } from './metrics.js';
import { ANTHROPIC_KEY, ANTHROPIC_PROFILE_ID, type AnthropicWayIn, collectEvents, comparableMessage, eventsText, MODEL, startAnthropicWayIn } from './anthropic-way-in.js';
import type { Mount } from './way-in.js';

const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'What is the weather in Zürich?' }];
const weatherTool: Anthropic.Tool = { name: 'get_weather', description: 'Weather of a city', input_schema: { type: 'object', properties: { city: { type: 'string' } } } };
const weatherCall = { id: 'toolu_01W', name: 'get_weather', input: { city: 'Zürich', unit: 'celsius' } };
const params = { model: MODEL, max_tokens: 256, messages };

export function describeAnthropicWayIn(name: string, mount: Mount): void {
  describe(`${name}: the Anthropic SDK through the proxy`, () => {
    let h: AnthropicWayIn;
    beforeAll(async () => {
      h = await startAnthropicWayIn(mount);
    });
    afterEach(() => h.up.reset());
    afterAll(async () => {
      await h?.close();
    });

    const tokens = async (type: 'input' | 'output') =>
      sampleValue(await h.proxy.registry.metrics(), 'llm_tokens_total', { provider: 'anthropic', model: MODEL, external_agent_id: '', type }) ?? 0;

    it('messages.create: same message as direct; original bytes forwarded; the key goes upstream as x-api-key; audit row', async () => {
      h.up.reply({ kind: 'message', text: 'Sunny, 21 °C ✓', usage: { input_tokens: 21, output_tokens: 5 } });
      const direct = await h.direct.messages.create(params);
      const proxied = await h.client.messages.create(params);
      expect(comparableMessage(proxied)).toEqual(comparableMessage(direct));
      expect(proxied.content).toEqual([{ type: 'text', text: 'Sunny, 21 °C ✓' }]);

      const [viaDirect, viaProxy] = h.up.requests;
      expect(viaProxy).toMatchObject({ method: 'POST', path: '/v1/messages' });
      expect(viaProxy!.body).toBe(viaDirect!.body);
      expect(viaDirect!.headers.authorization).toBe(`Bearer ${ANTHROPIC_KEY}`); // what the 1.x SDK sends
      expect(viaProxy!.headers['x-api-key']).toBe(ANTHROPIC_KEY);
      expect(viaProxy!.headers.authorization).toBeUndefined();
      expect(viaProxy!.headers['anthropic-version']).toBe(viaDirect!.headers['anthropic-version']);
      expect(Object.keys(viaProxy!.headers).filter((header) => header.startsWith('x-archestra'))).toEqual([]);
      expect(await h.lastRow()).toMatchObject({
        provider: 'anthropic', operation: 'chat', proxyId: 'default', model: MODEL, responseModel: MODEL, status: 200, outcome: 'ok', stream: false, inputTokens: 21, outputTokens: 5,
      });
    });

    it('messages.create({ stream: true }): same events as direct, cut at awkward bytes; tokens in the row and in llm_tokens_total', async () => {
      const text = 'Streaming through the way in: héllo wörld ✓ 🚀 東京 done.';
      h.up.reply({ kind: 'message', text, usage: { input_tokens: 9, output_tokens: 11 } }, { splitBytes: 9 });
      const [input, output] = [await tokens('input'), await tokens('output')];
      const direct = await collectEvents(await h.direct.messages.create({ ...params, stream: true }));
      const proxied = await collectEvents(await h.client.messages.create({ ...params, stream: true }));
      expect(proxied).toEqual(direct);
      expect(eventsText(proxied)).toBe(text);
      expect(await h.lastRow()).toMatchObject({ operation: 'chat', stream: true, status: 200, outcome: 'ok', inputTokens: 9, outputTokens: 11 });
      expect((await tokens('input')) - input).toBe(9);
      expect((await tokens('output')) - output).toBe(11);
    });

    it('messages.stream().finalMessage(): the same tool call as direct', async () => {
      h.up.reply({ kind: 'message', text: 'Let me check.', toolCalls: [weatherCall] }, { splitBytes: 11 });
      const call = (client: Anthropic) => client.messages.stream({ ...params, tools: [weatherTool] }).finalMessage();
      const direct = await call(h.direct);
      const proxied = await call(h.client);
      expect(comparableMessage(proxied)).toEqual(comparableMessage(direct));
      expect(proxied.stop_reason).toBe('tool_use');
      expect(proxied.content[1]).toEqual({ type: 'tool_use', ...weatherCall });
      expect(await h.lastRow()).toMatchObject({ stream: true, outcome: 'ok', inputTokens: 14, outputTokens: 9 });
    });

    it('S9: message_start then an overloaded_error event: the SDK stream raises it; the row is upstream_error', async () => {
      h.up.reply({ kind: 'message', text: 'one two three', usage: { input_tokens: 33, output_tokens: 3 }, streamError: { afterEvents: 4, type: 'overloaded_error', message: 'Overloaded' } });
      const stream = h.client.messages.stream(params);
      const seen: string[] = [];
      stream.on('text', (delta) => seen.push(delta));
      const error = await stream.finalMessage().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.APIError);
      expect(error).toMatchObject({ type: 'overloaded_error', apiMessage: 'Overloaded' });
      expect(seen).toEqual(['one ']);
      expect(await h.lastRow()).toMatchObject({ stream: true, status: 200, outcome: 'upstream_error', error: 'overloaded_error: Overloaded', inputTokens: 33 });
    });

    it('count_tokens, models.list and models.retrieve: same as direct', async () => {
      const countDirect = await h.direct.messages.countTokens({ model: MODEL, messages });
      expect(await h.client.messages.countTokens({ model: MODEL, messages })).toEqual(countDirect);
      expect(await h.lastRow()).toMatchObject({ operation: 'count_tokens', model: MODEL, status: 200, outcome: 'ok', inputTokens: null, outputTokens: null });

      const list = async (client: Anthropic) => {
        const ids: string[] = [];
        for await (const model of client.models.list()) ids.push(model.id);
        return ids;
      };
      expect(await list(h.client)).toEqual(await list(h.direct));
      expect(await h.client.models.retrieve('claude-haiku-4-5-20251001')).toEqual(await h.direct.models.retrieve('claude-haiku-4-5-20251001'));
      expect(await h.lastRow()).toMatchObject({ operation: 'models', model: 'claude-haiku-4-5-20251001', status: 200, outcome: 'ok' });
    });

    it('anthropic-version and anthropic-beta flow through; X-Archestra-* reach the row, never the upstream', async () => {
      const client = h.anthropic({ defaultHeaders: { 'anthropic-beta': 'prompt-caching-2024-07-31', 'X-Archestra-Agent-Id': 'claude-bot', 'X-Archestra-Session-Id': 'sess-a1' } });
      await client.messages.create(params);
      const upstream = h.up.requests.at(-1)!;
      expect(upstream.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
      expect(upstream.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(Object.keys(upstream.headers).filter((header) => header.startsWith('x-archestra'))).toEqual([]);
      expect(await h.lastRow()).toMatchObject({ agentId: 'claude-bot', sessionId: 'sess-a1', outcome: 'ok' });
    });

    it('a 0.x-style client (x-api-key, anthropic-version 2023-06-01): the key goes upstream as x-api-key', async () => {
      const res = await fetch(`${h.baseURL}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': 'sk-ant-api03-legacy', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
        body: JSON.stringify(params),
      });
      expect(res.status).toBe(200);
      expect((await res.json()).content[0].text).toBe('Hello from the scripted Anthropic upstream.');
      expect(h.up.requests.at(-1)!.headers).toMatchObject({ 'x-api-key': 'sk-ant-api03-legacy', 'anthropic-version': '2023-06-01' });
    });

    it(`a named profile: /v1/anthropic/${ANTHROPIC_PROFILE_ID}/v1/messages is served by it`, async () => {
      await h.anthropic({ path: `/${ANTHROPIC_PROFILE_ID}` }).messages.create(params);
      expect(h.up.requests.at(-1)).toMatchObject({ method: 'POST', path: '/v1/messages' });
      expect(await h.lastRow()).toMatchObject({ proxyId: ANTHROPIC_PROFILE_ID, provider: 'anthropic', outcome: 'ok' });
    });

    it('an unknown path under /v1/anthropic: 404 in Anthropic shape, the SDK raises NotFoundError, nothing sent upstream', async () => {
      const error = await h.client.messages.batches.list().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.NotFoundError);
      expect(error).toMatchObject({ status: 404, type: 'not_found_error' });
      const res = await fetch(`${h.baseURL}/v1/complete`, { method: 'POST', headers: { 'x-api-key': ANTHROPIC_KEY }, body: '{}' });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ type: 'error', error: { type: 'not_found_error', message: expect.stringContaining('/v1/complete') } });
      expect(h.up.requests).toHaveLength(0);
    });

    it('an upstream 429 passes through: the SDK raises RateLimitError with the upstream message and retry-after', async () => {
      h.up.reply({ kind: 'error', status: 429, headers: { 'retry-after': '7' }, body: { type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } } });
      const error = await h.client.messages.create(params).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.RateLimitError);
      expect(error).toMatchObject({ status: 429, type: 'rate_limit_error', apiMessage: expect.stringContaining('per-minute rate limit') });
      expect((error as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('retry-after')).toBe('7');
      expect(await h.lastRow()).toMatchObject({ status: 429, outcome: 'upstream_error' });
    });

    it('a client that aborts mid-stream: the proxy aborts the upstream and records client_aborted', async () => {
      h.up.reply({ kind: 'message', text: 'one two three four five' }, { hangAfterEvents: 4 });
      const controller = new AbortController();
      const stream = await h.client.messages.create({ ...params, stream: true }, { signal: controller.signal });
      const consumed = (async () => {
        for await (const event of stream) if (event.type === 'content_block_delta') controller.abort();
      })().catch((e: unknown) => e);
      await h.up.waitForAbort(5000);
      await consumed;
      await vi.waitFor(async () => {
        expect(await h.lastRow()).toMatchObject({ stream: true, outcome: 'client_aborted' });
      });
    });
  });
}
