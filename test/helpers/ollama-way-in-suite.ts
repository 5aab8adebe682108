/**
 * The cases every framework way in must pass with the real `ollama` client (and the openai SDK on
 * Ollama's OpenAI-compatible `/v1/`): one `describe` block, run by test/e2e/ollama-ways-in.test.ts
 * once per server (see `Mount`).
 */
import type { ChatResponse, Message, Tool } from 'ollama';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { collect, expectSameChunks } from './compare.js';
import { collectParts, OLLAMA_PROFILE_ID, type OllamaWayIn, startOllamaWayIn, withoutTimestamp } from './ollama-way-in.js';
import type { Mount } from './way-in.js';

const messages: Message[] = [{ role: 'user', content: 'What is the weather in Zürich?' }];
const weatherTool: Tool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};
const weatherCall = { name: 'get_weather', arguments: { city: 'Zürich', unit: 'celsius' } };
const xArchestra = (headers: Record<string, string>) => Object.keys(headers).filter((name) => name.startsWith('x-archestra-'));

export function describeOllamaWayIn(name: string, mount: Mount): void {
  describe(`${name}: the ollama client through the proxy`, () => {
    let h: OllamaWayIn;
    beforeAll(async () => {
      h = await startOllamaWayIn(mount);
    });
    afterEach(() => h.up.reset());
    afterAll(async () => {
      await h?.close();
    });

    it('chat, stream: false: same answer as direct; original bytes forwarded; no key, no X-Archestra-* upstream; audit row with tokens', async () => {
      h.up.reply({ kind: 'answer', content: 'Sunny, 21 °C ✓', usage: { prompt_eval_count: 21, eval_count: 5 } });
      const direct = await h.direct.chat({ model: 'llama3.2', messages });
      const proxied = await h.ollama({ headers: { 'X-Archestra-Agent-Id': 'weather-bot' } }).chat({ model: 'llama3.2', messages });
      expect(withoutTimestamp(proxied)).toEqual(withoutTimestamp(direct));
      expect(proxied.message.content).toBe('Sunny, 21 °C ✓');

      const [viaDirect, viaProxy] = h.up.requests;
      expect(viaProxy).toMatchObject({ method: 'POST', path: '/api/chat' });
      expect(viaProxy!.body).toBe(viaDirect!.body);
      expect(viaProxy!.headers.authorization).toBeUndefined();
      expect(xArchestra(viaProxy!.headers)).toEqual([]);
      expect(await h.lastRow()).toMatchObject({
        provider: 'ollama', operation: 'chat', proxyId: 'default', model: 'llama3.2', responseModel: 'llama3.2', agentId: 'weather-bot',
        status: 200, outcome: 'ok', stream: false, inputTokens: 21, outputTokens: 5,
      });
    });

    it('chat stream (NDJSON cut every 7 bytes, mid-character): same parts as direct; tokens from the done line', async () => {
      const content = 'Streaming through the way in: héllo wörld ✓ 🚀 done.';
      h.up.reply({ kind: 'answer', content, usage: { prompt_eval_count: 9, eval_count: 11 } }, { splitBytes: 7 });
      const direct = await collectParts(await h.direct.chat({ model: 'llama3.2', messages, stream: true }));
      const proxied = await collectParts(await h.client.chat({ model: 'llama3.2', messages, stream: true }));
      expect(proxied).toEqual(direct);
      expect(proxied.map((part) => part.message.content).join('')).toBe(content);
      expect(proxied.at(-1)).toMatchObject({ done: true, done_reason: 'stop', prompt_eval_count: 9, eval_count: 11 });
      // Nothing to ask for: the native stream always ends with the counts.
      expect(h.up.requests[1]!.body).toBe(h.up.requests[0]!.body);
      expect(await h.lastRow()).toMatchObject({ operation: 'chat', stream: true, status: 200, outcome: 'ok', inputTokens: 9, outputTokens: 11 });
    });

    it('streamed tool call with thinking: the tool_calls part arrives whole, as direct', async () => {
      h.up.reply({ kind: 'answer', thinking: 'The user wants the weather.', toolCalls: [{ ...weatherCall, id: 'call_w1' }] }, { splitBytes: 11 });
      const direct = await collectParts(await h.direct.chat({ model: 'qwen3:8b', messages, tools: [weatherTool], stream: true }));
      const proxied = await collectParts(await h.client.chat({ model: 'qwen3:8b', messages, tools: [weatherTool], stream: true }));
      expect(proxied).toEqual(direct);
      const calls = proxied.flatMap((part) => part.message.tool_calls ?? []);
      expect(calls).toEqual([{ id: 'call_w1', function: { index: 0, ...weatherCall } }]);
      expect(proxied.map((part) => part.message.thinking ?? '').join('')).toBe('The user wants the weather.');
      expect(h.up.requests[1]!.json.tools).toEqual([weatherTool]);
    });

    it('generate, streamed and not: same as direct; operation generate in the audit row', async () => {
      h.up.reply({ kind: 'answer', content: 'Rayleigh scattering — ça va.', usage: { prompt_eval_count: 7, eval_count: 6 } });
      const whole = await h.client.generate({ model: 'llama3.2', prompt: 'Why is the sky blue?', system: 'Be brief.' });
      expect(withoutTimestamp(whole)).toEqual(withoutTimestamp(await h.direct.generate({ model: 'llama3.2', prompt: 'Why is the sky blue?', system: 'Be brief.' })));
      expect(await h.lastRow()).toMatchObject({ operation: 'generate', stream: false, inputTokens: 7, outputTokens: 6 });
      const parts = await collectParts(await h.client.generate({ model: 'llama3.2', prompt: 'Why?', stream: true }));
      expect(parts.map((part) => part.response).join('')).toBe('Rayleigh scattering — ça va.');
      expect(await h.lastRow()).toMatchObject({ operation: 'generate', stream: true, outcome: 'ok', inputTokens: 7, outputTokens: 6 });
    });

    it('list (tags), show and embed work as direct', async () => {
      expect(await h.client.list()).toEqual(await h.direct.list());
      expect(await h.lastRow()).toMatchObject({ operation: 'models', status: 200, outcome: 'ok' });
      expect(await h.client.show({ model: 'llama3.2' })).toEqual(await h.direct.show({ model: 'llama3.2' }));
      expect(await h.lastRow()).toMatchObject({ operation: 'show', model: 'llama3.2', status: 200 });
      const embedded = await h.client.embed({ model: 'all-minilm', input: ['first text', 'second one ✓'] });
      expect(embedded).toEqual(await h.direct.embed({ model: 'all-minilm', input: ['first text', 'second one ✓'] }));
      expect(await h.lastRow()).toMatchObject({ operation: 'embeddings', model: 'all-minilm', inputTokens: 5, outputTokens: null });
    });

    it('a Bearer key the client sends (hosted Ollama) reaches the upstream', async () => {
      await h.ollama({ headers: { Authorization: 'Bearer ollama-hosted-key' } }).chat({ model: 'llama3.2', messages });
      expect(h.up.requests.at(-1)!.headers.authorization).toBe('Bearer ollama-hosted-key');
    });

    it(`a named profile: ${OLLAMA_PROFILE_ID} is served by it and not forwarded`, async () => {
      await h.ollama({ path: `/${OLLAMA_PROFILE_ID}` }).generate({ model: 'llama3.2', prompt: 'hi' });
      expect(h.up.requests.at(-1)).toMatchObject({ method: 'POST', path: '/api/generate' });
      expect(await h.lastRow()).toMatchObject({ proxyId: OLLAMA_PROFILE_ID, operation: 'generate', outcome: 'ok' });
    });

    it('a path the proxy does not serve: 404 in Ollama\'s shape, the client raises ResponseError; nothing upstream', async () => {
      const error = await h.client.ps().catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'ResponseError', status_code: 404, error: expect.stringContaining('Unknown request URL: GET /api/ps') });
      expect(h.up.requests).toHaveLength(0);
    });

    it('an upstream error passes through: ResponseError with its message and status', async () => {
      h.up.reply({ kind: 'error', status: 404, body: { error: 'model "llama9" not found, try pulling it first' } });
      const error = await h.client.chat({ model: 'llama9', messages }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'ResponseError', status_code: 404, error: 'model "llama9" not found, try pulling it first' });
      expect(await h.lastRow()).toMatchObject({ status: 404, outcome: 'upstream_error' });
    });

    it('an error line mid-stream reaches the client, which throws it; the row says upstream_error', async () => {
      h.up.reply({ kind: 'answer', content: 'one two', streamError: 'an error was encountered while running the model: unexpected EOF' });
      const seen: string[] = [];
      const error = await (async () => {
        for await (const part of await h.client.chat({ model: 'llama3.2', messages, stream: true })) seen.push(part.message.content);
      })().catch((e: unknown) => e);
      expect(seen).toEqual(['one ', 'two']);
      expect((error as Error).message).toBe('an error was encountered while running the model: unexpected EOF');
      expect(await h.lastRow()).toMatchObject({ stream: true, status: 200, outcome: 'upstream_error', error: 'an error was encountered while running the model: unexpected EOF' });
    });

    it('a client that aborts mid-stream: the proxy aborts the upstream and records client_aborted', async () => {
      h.up.reply({ kind: 'answer', content: 'one two three four five' }, { hangAfterEvents: 2 });
      const stream = await h.client.chat({ model: 'llama3.2', messages, stream: true });
      const seen: ChatResponse[] = [];
      const consumed = (async () => {
        for await (const part of stream) {
          seen.push(part);
          stream.abort();
        }
      })().catch((e: unknown) => e);
      await h.up.waitForAbort(5000);
      await consumed;
      expect(seen.length).toBeGreaterThanOrEqual(1);
      expect(seen[0]!.message.content).toBe('one ');
      await vi.waitFor(async () => {
        expect(await h.lastRow()).toMatchObject({ stream: true, outcome: 'client_aborted' });
      });
    });

    it('openai SDK on /v1/ollama/v1: chat completion, stream (usage asked for and hidden, still recorded), models', async () => {
      h.up.reply({ kind: 'answer', content: 'Grüezi ☀️ from the compatible API.', usage: { prompt_eval_count: 13, eval_count: 8 } });
      const body = { model: 'llama3.2', messages: [{ role: 'user' as const, content: 'hi' }] };
      const completion = await h.openai.chat.completions.create(body);
      expect(completion).toMatchObject({ system_fingerprint: 'fp_ollama', choices: [{ message: { content: 'Grüezi ☀️ from the compatible API.' } }] });
      expect(h.up.requests.at(-1)).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
      expect(await h.lastRow()).toMatchObject({ provider: 'ollama', operation: 'chat_completions', stream: false, inputTokens: 13, outputTokens: 8 });

      const direct = await collect(await h.directOpenAI.chat.completions.create({ ...body, stream: true }));
      const proxied = await collect(await h.openai.chat.completions.create({ ...body, stream: true }));
      expectSameChunks(proxied, direct);
      expect(proxied.usageChunks).toEqual([]);
      expect(h.up.requests.at(-1)!.json.stream_options).toEqual({ include_usage: true });
      expect(await h.lastRow()).toMatchObject({ operation: 'chat_completions', stream: true, outcome: 'ok', inputTokens: 13, outputTokens: 8 });

      expect((await h.openai.models.list()).data.map((model) => model.id)).toEqual((await h.directOpenAI.models.list()).data.map((model) => model.id));
    });

    it('openai SDK: an unknown /v1 path is a 404 the SDK raises as NotFoundError', async () => {
      const error = await h.openai.embeddings.create({ model: 'all-minilm', input: 'x' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect(h.up.requests).toHaveLength(0);
    });
  });
}
