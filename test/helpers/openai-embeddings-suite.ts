/**
 * The cases every way in must pass with the real OpenAI SDK's Embeddings and legacy Completions
 * APIs: one `describe` block, run by test/e2e/openai-responses-*.test.ts with its own way in.
 */
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sampleValue } from './metrics.js';
import { collectEvents, comparable, type ResponsesHarness } from './openai-responses-way-in.js';

const EMBEDDING_MODEL = 'text-embedding-3-small';
const INSTRUCT_MODEL = 'gpt-3.5-turbo-instruct';

export function describeOpenAIEmbeddings(name: string, start: () => Promise<ResponsesHarness>): void {
  describe(`${name}: the OpenAI SDK's Embeddings and Completions APIs through the proxy`, () => {
    let h: ResponsesHarness;
    beforeAll(async () => {
      h = await start();
    });
    afterEach(() => h.up.reset());
    afterAll(async () => {
      await h?.close();
    });

    it("embeddings.create: the SDK's base64 default decodes to the same vectors as direct; prompt_tokens are the row's input tokens", async () => {
      h.up.reply({ kind: 'embeddings', promptTokens: 5 });
      const call = (client: OpenAI) => client.embeddings.create({ model: EMBEDDING_MODEL, input: 'The food was délicieux ✓' });
      const direct = await call(h.direct);
      const proxied = await call(h.client);
      expect(proxied).toEqual(direct);
      expect(proxied.data[0]!.embedding).toHaveLength(8);
      expect(proxied.data[0]!.embedding.every((value) => typeof value === 'number' && Number.isFinite(value))).toBe(true);
      expect(h.up.requests[1]).toMatchObject({ method: 'POST', path: '/v1/embeddings' });
      expect(h.up.requests[1]!.body).toBe(h.up.requests[0]!.body);
      expect(h.up.requests[1]!.json.encoding_format).toBe('base64');
      expect(await h.lastRow()).toMatchObject({
        provider: 'openai', operation: 'embeddings', model: EMBEDDING_MODEL, responseModel: EMBEDDING_MODEL, stream: false, status: 200, outcome: 'ok', inputTokens: 5, outputTokens: null,
      });
      const metrics = await h.proxy.registry.metrics();
      expect(sampleValue(metrics, 'llm_tokens_total', { provider: 'openai', model: EMBEDDING_MODEL, external_agent_id: '', type: 'input' })).toBeGreaterThanOrEqual(5);
    });

    it('embeddings.create with float vectors, several inputs and dimensions: same as direct', async () => {
      const call = (client: OpenAI) => client.embeddings.create({ model: EMBEDDING_MODEL, input: ['alpha beta', 'gamma delta epsilon'], encoding_format: 'float', dimensions: 4 });
      const proxied = await call(h.client);
      expect(proxied).toEqual(await call(h.direct));
      expect(proxied.data.map((item) => item.embedding.length)).toEqual([4, 4]);
      expect(proxied.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 });
      expect(await h.lastRow()).toMatchObject({ operation: 'embeddings', outcome: 'ok', inputTokens: 5, outputTokens: null });
    });

    it('an upstream 400 on /embeddings passes through: the SDK raises OpenAI.BadRequestError', async () => {
      h.up.reply({ kind: 'error', status: 400, body: { error: { message: "This model's maximum context length is 8192 tokens.", type: 'invalid_request_error', param: null, code: null } } });
      const error = await h.client.embeddings.create({ model: EMBEDDING_MODEL, input: 'x' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(await h.lastRow()).toMatchObject({ operation: 'embeddings', status: 400, outcome: 'upstream_error' });
    });

    it('legacy completions.create: same completion as direct; tokens in the row', async () => {
      h.up.reply({ kind: 'chat', content: 'Roses are red.', usage: { prompt_tokens: 6, completion_tokens: 4 } });
      const call = (client: OpenAI) => client.completions.create({ model: INSTRUCT_MODEL, prompt: 'Write a poem' });
      const proxied = await call(h.client);
      expect(comparable(proxied)).toEqual(comparable(await call(h.direct)));
      expect(proxied.choices[0]!.text).toBe('Roses are red.');
      expect(await h.lastRow()).toMatchObject({ operation: 'text_completion', model: INSTRUCT_MODEL, stream: false, outcome: 'ok', inputTokens: 6, outputTokens: 4 });
    });

    it('legacy completions.create({ stream: true }): same text; the usage chunk the proxy asked for is hidden, and recorded', async () => {
      h.up.reply({ kind: 'chat', content: 'Violets are blue, ✓ 🌹.', usage: { prompt_tokens: 3, completion_tokens: 9 } }, { splitBytes: 5 });
      const direct = await collectEvents(await h.direct.completions.create({ model: INSTRUCT_MODEL, prompt: 'More', stream: true }));
      const proxied = await collectEvents(await h.client.completions.create({ model: INSTRUCT_MODEL, prompt: 'More', stream: true }));
      expect(comparable(proxied)).toEqual(comparable(direct));
      expect(proxied.map((chunk) => chunk.choices[0]?.text ?? '').join('')).toBe('Violets are blue, ✓ 🌹.');
      expect(proxied.filter((chunk) => chunk.choices.length === 0)).toEqual([]);
      expect(h.up.requests[1]!.json.stream_options).toEqual({ include_usage: true });
      expect(await h.lastRow()).toMatchObject({ operation: 'text_completion', stream: true, outcome: 'ok', inputTokens: 3, outputTokens: 9 });
    });
  });
}
