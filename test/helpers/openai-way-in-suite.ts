/**
 * The cases every framework way in must pass with the real OpenAI SDK: one `describe` block, run
 * by each `test/e2e/framework-*.test.ts` with its own server (see `Mount`).
 */
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { OpenAIReply } from '../upstream/openai.js';
import { collect, comparableCompletion, expectSameChunks, expectSameCompletion, viaProxyAndDirect } from './compare.js';
import { CLIENT_KEY, type Mount, PROFILE_ID, startWayIn, type WayInHarness } from './way-in.js';

const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather in Zürich?' }];
const weatherTool: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};
const weatherCall = { id: 'call_w1', name: 'get_weather', arguments: '{"city":"Zürich","unit":"celsius"}' };
const rateLimited: OpenAIReply = {
  kind: 'error',
  status: 429,
  headers: { 'retry-after': '7' },
  body: { error: { message: 'Rate limit reached for gpt-4o-mini on requests per min.', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
};

/** Registers the shared cases against the server `mount` builds (the proxy mounted at `/v1`). */
export function describeOpenAIWayIn(name: string, mount: Mount): void {
  describe(`${name}: the OpenAI SDK through the proxy`, () => {
    let h: WayInHarness;
    beforeAll(async () => {
      h = await startWayIn(mount);
    });
    afterEach(() => h.up.reset());
    afterAll(async () => {
      await h?.close();
    });

    it('non-streaming chat: same content and usage as calling the upstream directly; original bytes forwarded', async () => {
      h.up.reply({ kind: 'chat', content: 'Sunny, 21 °C ✓', usage: { prompt_tokens: 21, completion_tokens: 5 } });
      const { proxied, direct } = await viaProxyAndDirect(h, (client) => client.chat.completions.create({ model: 'gpt-4o-mini', messages }));
      expectSameCompletion(proxied, direct);
      expect(proxied.choices[0]!.message.content).toBe('Sunny, 21 °C ✓');
      expect(proxied.usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 5, total_tokens: 26 });

      const [viaDirect, viaProxy] = h.up.requests;
      expect(h.up.requests).toHaveLength(2);
      expect(viaProxy).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
      expect(viaProxy!.body).toBe(viaDirect!.body);

      expect(await h.lastRow()).toMatchObject({
        provider: 'openai', operation: 'chat', proxyId: 'default', model: 'gpt-4o-mini', status: 200, outcome: 'ok', stream: false, inputTokens: 21, outputTokens: 5,
      });
    });

    it('non-streaming tool call: same tool_calls as direct', async () => {
      h.up.reply({ kind: 'chat', toolCalls: [weatherCall] });
      const { proxied, direct } = await viaProxyAndDirect(h, (client) => client.chat.completions.create({ model: 'gpt-4o', messages, tools: [weatherTool] }));
      expectSameCompletion(proxied, direct);
      expect(proxied.choices[0]!.finish_reason).toBe('tool_calls');
      expect(proxied.choices[0]!.message.tool_calls).toEqual([
        { id: weatherCall.id, type: 'function', function: { name: weatherCall.name, arguments: weatherCall.arguments } },
      ]);
    });

    it('streaming without stream_options: same chunks as direct, no usage-only chunk (the proxy asked for usage and hid it)', async () => {
      const content = 'Streaming through the way in: héllo wörld ✓ 🚀 done.';
      h.up.reply({ kind: 'chat', content, usage: { prompt_tokens: 9, completion_tokens: 11 } }, { splitBytes: 9 });
      const { proxied, direct } = await viaProxyAndDirect(h, async (client) =>
        collect(await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })),
      );
      expect(direct.text).toBe(content);
      expectSameChunks(proxied, direct);
      expect(proxied.usageChunks).toEqual([]);
      expect(proxied.usage).toBeNull();

      expect(h.up.requests[0]!.json.stream_options).toBeUndefined();
      expect(h.up.requests.at(-1)!.json.stream_options.include_usage).toBe(true);
      // The hidden chunk was still read: the audit row has the usage.
      expect(await h.lastRow()).toMatchObject({ operation: 'chat', stream: true, status: 200, outcome: 'ok', inputTokens: 9, outputTokens: 11 });
    });

    it('streaming with stream_options.include_usage set by the client: the client gets the usage chunk', async () => {
      h.up.reply({ kind: 'chat', content: 'one two three', usage: { prompt_tokens: 4, completion_tokens: 3 } });
      const { proxied, direct } = await viaProxyAndDirect(h, async (client) =>
        collect(await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } })),
      );
      expectSameChunks(proxied, direct);
      expect(proxied.usageChunks).toHaveLength(1);
      expect(proxied.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 });
      expect(proxied.usage).toEqual(direct.usage);
      // Nothing to change, so the request went upstream as the client's own bytes.
      expect(h.up.requests[1]!.body).toBe(h.up.requests[0]!.body);
      expect(await h.lastRow()).toMatchObject({ stream: true, outcome: 'ok', inputTokens: 4, outputTokens: 3 });
    });

    it('streamed tool call: chat.completions.stream().finalChatCompletion() reassembles name and arguments', async () => {
      h.up.reply({ kind: 'chat', toolCalls: [weatherCall] }, { splitBytes: 11 });
      const { proxied, direct } = await viaProxyAndDirect(h, (client) =>
        client.chat.completions.stream({ model: 'gpt-4o-mini', messages, tools: [weatherTool] }).finalChatCompletion(),
      );
      // `usage: null` on every chunk (the proxy asked for usage) leaves the final usage null, not undefined.
      const { usage: _proxiedUsage, ...proxiedRest } = comparableCompletion(proxied);
      const { usage: _directUsage, ...directRest } = comparableCompletion(direct);
      expect(proxiedRest).toEqual(directRest);
      expect(proxied.choices[0]!.finish_reason).toBe('tool_calls');
      const calls = proxied.choices[0]!.message.tool_calls ?? [];
      expect(calls).toHaveLength(1);
      const call = calls[0]!;
      expect(call.id).toBe(weatherCall.id);
      expect(call.type === 'function' ? call.function.name : null).toBe('get_weather');
      expect(call.type === 'function' ? JSON.parse(call.function.arguments) : null).toEqual({ city: 'Zürich', unit: 'celsius' });
    });

    it('models.list() works', async () => {
      const { proxied, direct } = await viaProxyAndDirect(h, async (client) => {
        const ids: string[] = [];
        for await (const model of client.models.list()) ids.push(model.id);
        return ids;
      });
      expect(proxied).toEqual(direct);
      expect(proxied).toContain('gpt-4o-mini');
      expect(h.up.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models' });
      expect(await h.lastRow()).toMatchObject({ operation: 'models', status: 200, outcome: 'ok' });
    });

    it('X-Archestra-* headers reach the audit row, never the upstream; the client key goes upstream as Bearer', async () => {
      const client = h.openai({
        defaultHeaders: { 'X-Archestra-Agent-Id': 'billing-bot', 'X-Archestra-Meta': 'meta-agent/exec-42/sess-7', 'X-Archestra-User-Id': 'user-9' },
      });
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
      const upstream = h.up.requests.at(-1)!;
      expect(Object.keys(upstream.headers).filter((name) => name.startsWith('x-archestra-'))).toEqual([]);
      expect(upstream.headers['authorization']).toBe(`Bearer ${CLIENT_KEY}`);
      // The individual header wins over the Meta one; Meta fills in the rest.
      expect(await h.lastRow()).toMatchObject({ agentId: 'billing-bot', executionId: 'exec-42', sessionId: 'sess-7', userId: 'user-9', outcome: 'ok' });
    });

    it(`a named profile: /v1/openai/${PROFILE_ID}/chat/completions is served by it`, async () => {
      const res = await h.openai({ path: `/${PROFILE_ID}` }).chat.completions.create({ model: 'gpt-4o-mini', messages });
      expect(res.choices[0]!.message.content).toBe('Hello from the scripted upstream.');
      // The profile id is the proxy's, not the upstream's: it is not forwarded.
      expect(h.up.requests.at(-1)).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
      expect(await h.lastRow()).toMatchObject({ proxyId: PROFILE_ID, operation: 'chat', outcome: 'ok' });
    });

    it('an upstream 429 passes through: the SDK raises OpenAI.RateLimitError with the upstream message', async () => {
      h.up.reply(rateLimited);
      const error = await h.client.chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
      expect(rateLimit.status).toBe(429);
      expect(rateLimit.message).toContain('Rate limit reached for gpt-4o-mini on requests per min.');
      expect(rateLimit.code).toBe('rate_limit_exceeded');
      expect(rateLimit.headers?.get('retry-after')).toBe('7');
      expect(h.up.requests).toHaveLength(1);
      expect(await h.lastRow()).toMatchObject({ status: 429, outcome: 'upstream_error' });
    });

    it('a client that aborts mid-stream: the proxy aborts the upstream and records client_aborted', async () => {
      h.up.reply({ kind: 'chat', content: 'one two three four five' }, { hangAfterEvents: 2 });
      const controller = new AbortController();
      const stream = await h.client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }, { signal: controller.signal });
      const seen: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      const consumed = (async () => {
        for await (const chunk of stream) {
          seen.push(chunk);
          controller.abort();
        }
      })().catch((e: unknown) => e);

      await h.up.waitForAbort(5000);
      await consumed;
      // The SDK may hand out both events the upstream sent (one read) before it sees the abort.
      expect(seen.length).toBeGreaterThanOrEqual(1);
      expect(seen.length).toBeLessThanOrEqual(2);
      expect(seen[0]!.choices[0]!.delta.role).toBe('assistant');
      await vi.waitFor(async () => {
        expect(await h.lastRow()).toMatchObject({ stream: true, outcome: 'client_aborted' });
      });
    });
  });
}
