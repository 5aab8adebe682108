/**
 * The real @google/genai SDK through every server way in, over real sockets: Express (with and
 * without express.json() first), Koa, Fastify, and the bundled node:http server (`startServer`,
 * what `archestra-proxy serve` runs). Gemini paths hold a ':' (`models/x:generateContent`): each
 * way in must pass it through its wildcard mount untouched.
 */
import { createServer } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterAll, beforeAll } from 'vitest';
import { startServer } from '../../src/cli/server.js';
import type { Proxy } from '../../src/proxy.js';
import { expressProxy } from '../../src/ways-in/express.js';
import { fastifyProxy } from '../../src/ways-in/fastify.js';
import { koaProxy } from '../../src/ways-in/koa.js';
import { clearGeminiEnv, startGeminiWayIn } from '../helpers/gemini-way-in.js';
import { describeGeminiWayIn } from '../helpers/gemini-way-in-suite.js';
import { type Listening, listen } from '../helpers/way-in.js';

let restoreEnv: () => void;
beforeAll(() => {
  restoreEnv = clearGeminiEnv();
});
afterAll(() => restoreEnv());

function expressApp(proxy: Proxy, json: boolean) {
  const app = express();
  if (json) app.use(express.json());
  app.use('/v1', expressProxy(proxy));
  return app;
}

async function fastifyServer(proxy: Proxy): Promise<Listening> {
  // undici may leave a pre-opened socket that never sent a request (seen after a client abort);
  // app.close() waits for such a socket until Node's headers timeout unless told to close it.
  const app = Fastify({ forceCloseConnections: true });
  await app.register(fastifyProxy, { proxy, prefix: '/v1' });
  const origin = await app.listen({ port: 0, host: '127.0.0.1' });
  return { origin, close: () => app.close() };
}

async function bundledServer(proxy: Proxy): Promise<Listening> {
  const running = await startServer(proxy, '127.0.0.1', 0);
  return { origin: running.url, close: () => running.close(0) };
}

describeGeminiWayIn('express app.use("/v1", expressProxy(proxy))', () => startGeminiWayIn(async (proxy) => listen(createServer(expressApp(proxy, false)))));
describeGeminiWayIn('express.json() before app.use("/v1", expressProxy(proxy))', () => startGeminiWayIn(async (proxy) => listen(createServer(expressApp(proxy, true)))));
describeGeminiWayIn('koa app.use(koaProxy(proxy, { prefix: "/v1" }))', () =>
  startGeminiWayIn(async (proxy) => {
    const app = new Koa();
    app.use(koaProxy(proxy, { prefix: '/v1' }));
    return listen(createServer(app.callback()));
  }),
);
describeGeminiWayIn('fastify.register(fastifyProxy, { proxy, prefix: "/v1" })', () => startGeminiWayIn(fastifyServer));
describeGeminiWayIn('bundled server (startServer: node:http, nodeProxy at /v1)', () => startGeminiWayIn(bundledServer));
