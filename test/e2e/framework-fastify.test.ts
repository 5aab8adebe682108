/**
 * `fastifyProxy` registered with `prefix: '/v1'` in a Fastify 5 app listening on a real port, driven
 * by the real OpenAI SDK; plus `inject()`, and a sibling JSON route that must keep Fastify's own
 * JSON parser (the plugin's raw-body parser is encapsulated).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Proxy } from '../../src/proxy.js';
import { fastifyProxy } from '../../src/ways-in/fastify.js';
import { collect } from '../helpers/compare.js';
import { describeOpenAIWayIn } from '../helpers/openai-way-in-suite.js';
import { CLIENT_KEY, type Listening, startWayIn, type WayInHarness } from '../helpers/way-in.js';

async function fastifyApp(proxy: Proxy): Promise<FastifyInstance> {
  // Teardown closes every connection, as `listen()` does for the other servers: the client's
  // connection pool may hold a connection that never sent a request (Node counts it as busy).
  const app = Fastify({ forceCloseConnections: true });
  await app.register(fastifyProxy, { proxy, prefix: '/v1' });
  app.post('/echo', async (request) => ({ body: request.body, isBuffer: Buffer.isBuffer(request.body) }));
  return app;
}

async function listenFastify(app: FastifyInstance): Promise<Listening> {
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { origin: address, close: () => app.close() };
}

describeOpenAIWayIn('fastify.register(fastifyProxy, { proxy, prefix: "/v1" })', async (proxy) => listenFastify(await fastifyApp(proxy)));

describe('fastify: beside other routes, and through inject()', () => {
  let app: FastifyInstance;
  let h: WayInHarness;
  beforeAll(async () => {
    h = await startWayIn(async (proxy) => {
      app = await fastifyApp(proxy);
      return listenFastify(app);
    });
  });
  afterEach(() => h.up.reset());
  afterAll(async () => {
    await h?.close();
  });

  it('a sibling JSON route outside the prefix still gets parsed JSON', async () => {
    const res = await fetch(`${h.origin}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":[1,2],"b":"✓"}' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ body: { a: [1, 2], b: '✓' }, isBuffer: false });
    const bad = await fetch(`${h.origin}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(bad.status).toBe(400);
    expect(h.up.requests).toHaveLength(0);
  });

  it('the proxy still works after the sibling route was used (and vice versa)', async () => {
    const completion = await h.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]!.message.content).toBe('Hello from the scripted upstream.');
    const stream = await collect(await h.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true }));
    expect(stream.text).toBe('Hello from the scripted upstream.');
    expect(stream.usageChunks).toEqual([]);
  });

  it('inject(): non-streaming chat and models', async () => {
    h.up.reply({ kind: 'chat', content: 'injected ✓', usage: { prompt_tokens: 3, completion_tokens: 2 } });
    const chat = await app.inject({
      method: 'POST',
      url: '/v1/openai/chat/completions',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'x-archestra-agent-id': 'inject-bot' },
      payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(chat.statusCode).toBe(200);
    expect(chat.headers['content-type']).toMatch(/^application\/json/);
    expect(chat.json()).toMatchObject({ object: 'chat.completion', choices: [{ message: { content: 'injected ✓' } }], usage: { total_tokens: 5 } });
    expect(h.up.requests.at(-1)!.json).toEqual({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(h.up.requests.at(-1)!.headers['authorization']).toBe(`Bearer ${CLIENT_KEY}`);
    expect(h.up.requests.at(-1)!.headers['x-archestra-agent-id']).toBeUndefined();
    expect(await h.lastRow()).toMatchObject({ agentId: 'inject-bot', inputTokens: 3, outputTokens: 2, outcome: 'ok' });

    const models = await app.inject({ method: 'GET', url: '/v1/openai/models?limit=2', headers: { authorization: `Bearer ${CLIENT_KEY}` } });
    expect(models.statusCode).toBe(200);
    expect(models.json().data.map((model: { id: string }) => model.id)).toContain('gpt-4o');
    expect(h.up.requests.at(-1)!.path).toBe('/v1/models?limit=2');
  });

  it('inject(): a streamed chat arrives whole, without the usage chunk the proxy asked for', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/openai/chat/completions',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const payloads = res.body.split('\n\n').filter(Boolean).map((event) => event.replace(/^data: /, ''));
    expect(payloads.at(-1)).toBe('[DONE]');
    const chunks = payloads.slice(0, -1).map((payload) => JSON.parse(payload) as { choices: { delta: { content?: string } }[] });
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('Hello from the scripted upstream.');
    expect(chunks.every((chunk) => chunk.choices.length === 1)).toBe(true);
    expect(h.up.requests.at(-1)!.json.stream_options).toEqual({ include_usage: true });
  });

  it('inject(): a path outside the proxy\'s providers gets the proxy\'s own 404', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/nope/models' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { type: 'not_found_error' } });
    expect(h.up.requests).toHaveLength(0);
  });
});
