/**
 * The real `ollama` client (and the openai SDK on Ollama's OpenAI-compatible API) through each
 * framework way in: Express, Koa, Fastify and plain `node:http` (`nodeProxy`, what the bundled
 * server runs on), each mounting the proxy at `/v1` on a real port.
 */
import { createServer } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { expressProxy } from '../../src/ways-in/express.js';
import { fastifyProxy } from '../../src/ways-in/fastify.js';
import { koaProxy } from '../../src/ways-in/koa.js';
import { nodeProxy } from '../../src/ways-in/node.js';
import { describeOllamaWayIn } from '../helpers/ollama-way-in-suite.js';
import { listen } from '../helpers/way-in.js';

describeOllamaWayIn('express app.use("/v1", expressProxy(proxy)) after express.json()', async (proxy) => {
  const app = express();
  app.use(express.json());
  app.use('/v1', expressProxy(proxy));
  return listen(createServer(app));
});

describeOllamaWayIn('koa app.use(koaProxy(proxy, { prefix: "/v1" }))', async (proxy) => {
  const app = new Koa();
  app.use(koaProxy(proxy, { prefix: '/v1' }));
  return listen(createServer(app.callback()));
});

describeOllamaWayIn('fastify.register(fastifyProxy, { proxy, prefix: "/v1" })', async (proxy) => {
  const app = Fastify({ forceCloseConnections: true });
  await app.register(fastifyProxy, { proxy, prefix: '/v1' });
  const origin = await app.listen({ port: 0, host: '127.0.0.1' });
  return { origin, close: () => app.close() };
});

describeOllamaWayIn('node:http nodeProxy({ prefix: "/v1" })', async (proxy) => listen(createServer(nodeProxy(proxy, { prefix: '/v1' }))));
