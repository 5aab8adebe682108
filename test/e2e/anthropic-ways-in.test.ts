/**
 * The real Anthropic SDK through every server way in, over real sockets: Express (with and
 * without express.json() first), Koa, Fastify, and the bundled node:http server
 * (`startServer`, what `archestra-proxy serve` runs).
 */
import { createServer } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/cli/server.js';
import type { Proxy } from '../../src/proxy.js';
import { expressProxy } from '../../src/ways-in/express.js';
import { fastifyProxy } from '../../src/ways-in/fastify.js';
import { koaProxy } from '../../src/ways-in/koa.js';
import { type AnthropicWayIn, MODEL, startAnthropicWayIn } from '../helpers/anthropic-way-in.js';
import { describeAnthropicWayIn } from '../helpers/anthropic-way-in-suite.js';
import { sampleValue } from '../helpers/metrics.js';
import { type Listening, listen } from '../helpers/way-in.js';

function expressApp(proxy: Proxy, json: boolean) {
  const app = express();
  if (json) app.use(express.json());
  app.use('/v1', expressProxy(proxy));
  return app;
}

async function fastifyServer(proxy: Proxy): Promise<Listening> {
  // The SDK's fetch may open a spare connection that never sends a request; Node's
  // closeIdleConnections() skips such a socket, so a plain close() would wait for its timeout.
  const app = Fastify({ forceCloseConnections: true });
  await app.register(fastifyProxy, { proxy, prefix: '/v1' });
  const origin = await app.listen({ port: 0, host: '127.0.0.1' });
  return { origin, close: () => app.close() };
}

async function bundledServer(proxy: Proxy): Promise<Listening> {
  const running = await startServer(proxy, '127.0.0.1', 0);
  return { origin: running.url, close: () => running.close(0) };
}

describeAnthropicWayIn('express app.use("/v1", expressProxy(proxy))', async (proxy) => listen(createServer(expressApp(proxy, false))));
describeAnthropicWayIn('express.json() before app.use("/v1", expressProxy(proxy))', async (proxy) => listen(createServer(expressApp(proxy, true))));
describeAnthropicWayIn('koa app.use(koaProxy(proxy, { prefix: "/v1" }))', async (proxy) => {
  const app = new Koa();
  app.use(koaProxy(proxy, { prefix: '/v1' }));
  return listen(createServer(app.callback()));
});
describeAnthropicWayIn('fastify.register(fastifyProxy, { proxy, prefix: "/v1" })', fastifyServer);
describeAnthropicWayIn('bundled server (startServer: node:http, nodeProxy at /v1)', bundledServer);

describe('bundled server: Anthropic tokens on GET /metrics', () => {
  let h: AnthropicWayIn;
  beforeAll(async () => {
    h = await startAnthropicWayIn(bundledServer);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('llm_tokens_total has the input and output tokens of a JSON and a streamed answer, labelled provider="anthropic"', async () => {
    h.up.reply({ kind: 'message', text: 'counted', usage: { input_tokens: 40, output_tokens: 2 } });
    const client = h.anthropic({ defaultHeaders: { 'X-Archestra-Agent-Id': 'metrics-bot' } });
    await client.messages.create({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
    await client.messages.stream({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    const text = await (await fetch(`${h.origin}/metrics`)).text();
    const labels = { provider: 'anthropic', model: MODEL, external_agent_id: 'metrics-bot' };
    expect(sampleValue(text, 'llm_tokens_total', { ...labels, type: 'input' })).toBe(80);
    expect(sampleValue(text, 'llm_tokens_total', { ...labels, type: 'output' })).toBe(4);
    expect(text).toMatch(/llm_request_duration_seconds_count\{[^}]*provider="anthropic"[^}]*status_code="200"\} 2/);
  });

  it('a proxy with no key for a client that sends none: 401 in Anthropic shape, raised as AuthenticationError', async () => {
    const client = new Anthropic({ baseURL: `${h.baseURL}`, apiKey: null, authToken: null, maxRetries: 0, defaultHeaders: { Authorization: null } });
    const error = await client.messages.create({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(error).toMatchObject({ status: 401, type: 'authentication_error' });
    expect(h.up.requests).toHaveLength(2);
  });
});
