/**
 * The real OpenAI SDK's Responses, Embeddings and legacy Completions APIs through every server way
 * in, over real sockets: Express (with and without express.json() first), Koa, Fastify, and the
 * bundled node:http server (`startServer`, what `archestra-proxy serve` runs).
 */
import { createServer } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { startServer } from '../../src/cli/server.js';
import type { Proxy } from '../../src/proxy.js';
import { expressProxy } from '../../src/ways-in/express.js';
import { fastifyProxy } from '../../src/ways-in/fastify.js';
import { koaProxy } from '../../src/ways-in/koa.js';
import { describeOpenAIEmbeddings } from '../helpers/openai-embeddings-suite.js';
import { describeOpenAIResponses } from '../helpers/openai-responses-suite.js';
import { startResponsesWayIn } from '../helpers/openai-responses-way-in.js';
import { type Listening, listen, type Mount } from '../helpers/way-in.js';

function expressApp(proxy: Proxy, json: boolean) {
  const app = express();
  if (json) app.use(express.json());
  app.use('/v1', expressProxy(proxy));
  return app;
}

const mounts: [string, Mount][] = [
  ['express app.use("/v1", expressProxy(proxy))', async (proxy) => listen(createServer(expressApp(proxy, false)))],
  ['express.json() before app.use("/v1", expressProxy(proxy))', async (proxy) => listen(createServer(expressApp(proxy, true)))],
  [
    'koa app.use(koaProxy(proxy, { prefix: "/v1" }))',
    async (proxy) => {
      const app = new Koa();
      app.use(koaProxy(proxy, { prefix: '/v1' }));
      return listen(createServer(app.callback()));
    },
  ],
  [
    'fastify.register(fastifyProxy, { proxy, prefix: "/v1" })',
    async (proxy): Promise<Listening> => {
      const app = Fastify({ forceCloseConnections: true });
      await app.register(fastifyProxy, { proxy, prefix: '/v1' });
      const origin = await app.listen({ port: 0, host: '127.0.0.1' });
      return { origin, close: () => app.close() };
    },
  ],
  [
    'bundled server (startServer: node:http, nodeProxy at /v1)',
    async (proxy): Promise<Listening> => {
      const running = await startServer(proxy, '127.0.0.1', 0);
      return { origin: running.url, close: () => running.close(0) };
    },
  ],
];

for (const [name, mount] of mounts) {
  describeOpenAIResponses(name, () => startResponsesWayIn(mount));
  describeOpenAIEmbeddings(name, () => startResponsesWayIn(mount));
}
