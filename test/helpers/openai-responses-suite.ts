/**
 * The cases every way in must pass with the real OpenAI SDK's Responses API: one `describe` block,
 * run by test/e2e/openai-responses-*.test.ts with its own way of reaching the proxy.
 */
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ToolCallReply } from '../upstream/openai.js';
import { sampleValue } from './metrics.js';
import { collectEvents, comparable, eventNames, type ResponsesHarness } from './openai-responses-way-in.js';
import { auditRows } from './proxy.js';
import { CLIENT_KEY } from './way-in.js';

const MODEL = 'gpt-4o-mini';
const params = { model: MODEL, instructions: 'Answer briefly.', input: 'What is the weather in Zürich?' };
const weatherTool: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city', 'unit'], additionalProperties: false },
  strict: true,
};
const weatherCall: ToolCallReply = { id: 'call_w1', name: 'get_weather', arguments: '{"city":"Zürich","unit":"celsius"}' };

export function describeOpenAIResponses(name: string, start: () => Promise<ResponsesHarness>): void {
  describe(`${name}: the OpenAI SDK's Responses API through the proxy`, () => {
    let h: ResponsesHarness;
    beforeAll(async () => {
      h = await start();
    });
    afterEach(() => h.up.reset());
    afterAll(async () => {
      await h?.close();
    });

    const tokens = async (type: 'input' | 'output') =>
      sampleValue(await h.proxy.registry.metrics(), 'llm_tokens_total', { provider: 'openai', model: MODEL, external_agent_id: '', type }) ?? 0;

    it('responses.create: same response as direct; original bytes forwarded with the key as Bearer; row and llm_tokens_total have the tokens', async () => {
      h.up.reply({ kind: 'responses', content: 'Sunny, 21 °C ✓', usage: { input_tokens: 21, output_tokens: 5 } });
      const before = { input: await tokens('input'), output: await tokens('output') };
      const direct = await h.direct.responses.create(params);
      const proxied = await h.client.responses.create(params);
      expect(comparable(proxied)).toEqual(comparable(direct));
      expect(proxied.output_text).toBe('Sunny, 21 °C ✓');
      expect(proxied.usage).toMatchObject({ input_tokens: 21, output_tokens: 5, total_tokens: 26 });

      const [viaDirect, viaProxy] = h.up.requests;
      expect(viaProxy).toMatchObject({ method: 'POST', path: '/v1/responses' });
      expect(viaProxy!.body).toBe(viaDirect!.body);
      expect(viaProxy!.headers.authorization).toBe(`Bearer ${CLIENT_KEY}`);
      expect(Object.keys(viaProxy!.headers).filter((header) => header.startsWith('x-archestra'))).toEqual([]);
      expect(await h.lastRow()).toMatchObject({
        provider: 'openai', operation: 'responses', model: MODEL, responseModel: MODEL, stream: false, status: 200, outcome: 'ok', inputTokens: 21, outputTokens: 5,
      });
      expect(await tokens('input')).toBe(before.input + 21);
      expect(await tokens('output')).toBe(before.output + 5);
    });

    it('responses.create({ stream: true }): same typed events as direct, cut at awkward bytes; no [DONE]; tokens from response.completed', async () => {
      const content = 'Streaming the Responses API: héllo wörld ✓ 🚀 done.';
      h.up.reply({ kind: 'responses', content, usage: { input_tokens: 9, output_tokens: 11 } }, { splitBytes: 7 });
      const before = await tokens('output');
      const direct = await collectEvents(await h.direct.responses.create({ ...params, stream: true }));
      const proxied = await collectEvents(await h.client.responses.create({ ...params, stream: true }));
      expect(comparable(proxied)).toEqual(comparable(direct));
      expect(proxied.map((event) => event.sequence_number)).toEqual(proxied.map((_, index) => index));
      expect(proxied.at(-1)).toMatchObject({ type: 'response.completed', response: { status: 'completed', usage: { input_tokens: 9, output_tokens: 11 } } });
      const text = proxied.flatMap((event) => (event.type === 'response.output_text.delta' ? [event.delta] : [])).join('');
      expect(text).toBe(content);

      // Nothing to ask for: the request went upstream as the client's own bytes.
      expect(h.up.requests[1]!.body).toBe(h.up.requests[0]!.body);
      const row = await h.lastRow();
      expect(row).toMatchObject({ operation: 'responses', stream: true, status: 200, outcome: 'ok', inputTokens: 9, outputTokens: 11 });
      expect(row!.responseBody).not.toContain('[DONE]');
      expect(eventNames(row!.responseBody).at(-1)).toBe('response.completed');
      expect(await tokens('output')).toBe(before + 11);
    });

    it('responses.stream().finalResponse(): a streamed function call is reassembled (call_id, name, arguments)', async () => {
      h.up.reply({ kind: 'responses', toolCalls: [weatherCall], usage: { input_tokens: 40, output_tokens: 17 } }, { splitBytes: 11 });
      const run = (client: OpenAI) => client.responses.stream({ model: MODEL, input: params.input, tools: [weatherTool] }).finalResponse();
      const direct = await run(h.direct);
      const proxied = await run(h.client);
      expect(comparable(proxied)).toEqual(comparable(direct));
      expect(proxied.output).toHaveLength(1);
      const call = proxied.output[0]!;
      expect(call.type).toBe('function_call');
      if (call.type !== 'function_call') return;
      expect(call).toMatchObject({ call_id: 'call_w1', name: 'get_weather' });
      expect(JSON.parse(call.arguments)).toEqual({ city: 'Zürich', unit: 'celsius' });
      const row = await h.lastRow();
      expect(row).toMatchObject({ operation: 'responses', stream: true, outcome: 'ok', inputTokens: 40, outputTokens: 17 });
      expect(eventNames(row!.responseBody).filter((event) => event === 'response.function_call_arguments.delta')).toHaveLength(3);
    });

    it('a follow-up turn with the function_call and its output goes upstream as sent', async () => {
      const input: OpenAI.Responses.ResponseInput = [
        { role: 'user', content: 'Weather in Zürich?' },
        { type: 'function_call', call_id: 'call_w1', name: 'get_weather', arguments: weatherCall.arguments },
        { type: 'function_call_output', call_id: 'call_w1', output: '{"temperature":21}' },
      ];
      const answer = await h.client.responses.create({ model: MODEL, input, tools: [weatherTool] });
      expect(answer.output_text).toBe('Hello from the scripted upstream.');
      expect(h.up.requests[0]!.json.input).toEqual(input);
      expect(await h.lastRow()).toMatchObject({ operation: 'responses', outcome: 'ok', inputTokens: 12, outputTokens: 7 });
    });

    it("an error event mid-stream: the SDK raises OpenAI.APIError; the row says upstream_error with the upstream's message", async () => {
      h.up.reply({ kind: 'responses', content: 'partial answer', end: 'error' });
      const seen: string[] = [];
      const error = await (async () => {
        for await (const event of await h.client.responses.create({ ...params, stream: true })) seen.push(event.type);
      })().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as Error).message).toContain('The server had an error while processing your request.');
      expect(seen).toContain('response.output_text.delta');
      const row = { operation: 'responses', stream: true, status: 200, outcome: 'upstream_error', error: 'The server had an error while processing your request.' };
      expect(await h.lastRow()).toMatchObject(row);
      // Read raw to the end: the upstream's error event is the last thing sent, and nothing follows it.
      const raw = await (await h.client.responses.create({ ...params, stream: true }).asResponse()).text();
      expect(eventNames(raw).at(-1)).toBe('error');
      expect(raw.slice(raw.lastIndexOf('event: error'))).toMatch(/^event: error\ndata: \{[^\n]*\}\n\n$/);
      expect(await h.lastRow()).toMatchObject(row);
    });

    it('a stream that stops before response.completed: finalResponse() rejects; the row says upstream_error', async () => {
      h.up.reply({ kind: 'responses', content: 'cut short', end: 'cut' });
      const error = await h.client.responses.stream(params).finalResponse().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect(await h.lastRow()).toMatchObject({ operation: 'responses', stream: true, outcome: 'upstream_error', error: 'The upstream stream ended without its terminator.' });
    });

    it('an upstream 429 on /responses passes through: the SDK raises OpenAI.RateLimitError', async () => {
      h.up.reply({ kind: 'error', status: 429, headers: { 'retry-after': '3' }, body: { error: { message: 'Rate limit reached for gpt-4o-mini.', type: 'requests', param: null, code: 'rate_limit_exceeded' } } });
      const error = await h.client.responses.create(params).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBe('3');
      expect(await h.lastRow()).toMatchObject({ operation: 'responses', status: 429, outcome: 'upstream_error' });
    });

    it('stored responses: retrieve (JSON and replayed stream), input items, cancel, delete; each its own operation, no tokens counted twice', async () => {
      const created = await h.client.responses.create({ ...params, background: true });
      expect(created.status).toBe('queued');
      const retrieved = await h.client.responses.retrieve(created.id);
      expect(retrieved).toMatchObject({ id: created.id, status: 'completed', output_text: 'Hello from the scripted upstream.' });
      const replayed = await collectEvents(await h.client.responses.retrieve(created.id, { stream: true, starting_after: 1 }));
      expect(replayed[0]!.sequence_number).toBe(2);
      expect(replayed.at(-1)!.type).toBe('response.completed');
      const items = [];
      for await (const item of h.client.responses.inputItems.list(created.id)) items.push(item);
      expect(items).toMatchObject([{ type: 'message', role: 'user', content: [{ type: 'input_text', text: params.input }] }]);
      expect(await h.client.responses.cancel(created.id)).toMatchObject({ id: created.id, status: 'cancelled' });
      await h.client.responses.delete(created.id);
      expect(await h.client.responses.retrieve(created.id).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.NotFoundError);

      expect(h.up.requests.map((request) => `${request.method} ${request.path.replace(created.id, '{id}')}`)).toEqual([
        'POST /v1/responses', 'GET /v1/responses/{id}', 'GET /v1/responses/{id}?stream=true&starting_after=1', 'GET /v1/responses/{id}/input_items',
        'POST /v1/responses/{id}/cancel', 'DELETE /v1/responses/{id}', 'GET /v1/responses/{id}',
      ]);
      const rows = (await auditRows(h.proxy)).slice(-7);
      expect(rows.map((row) => [row.operation, row.status, row.stream])).toEqual([
        ['responses', 200, false], ['responses.retrieve', 200, false], ['responses.retrieve', 200, true], ['responses.input_items', 200, false],
        ['responses.cancel', 200, false], ['responses.delete', 200, false], ['responses.retrieve', 404, false],
      ]);
      for (const row of rows) {
        expect(row.model ?? '').not.toContain(created.id); // a response id is not a model (nor a metrics label)
        expect([row.inputTokens, row.outputTokens]).toEqual([null, null]);
      }
      expect(rows[1]!.responseModel).toBe(MODEL);
    });

    it("an unknown path under /responses: 404 in OpenAI's shape (NotFoundError), the upstream never called", async () => {
      const error = await h.client.post('/responses/resp_1/unknown', { body: {} }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect((error as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({ type: 'not_found_error' });
      expect(h.up.requests).toHaveLength(0);
    });
  });
}
