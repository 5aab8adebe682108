/**
 * Run in a child process under `node --no-addons` (loading any native addon then throws): the
 * core on the memory store serves one chat call through every way in (createProxyFetch,
 * withArchestra, the node, express, koa and fastify bridges), then a SQLite file store is asked
 * for, which must be the one thing that needs an addon. Prints one JSON line of what happened.
 *
 *   node --no-addons --conditions=archestra-source --import tsx test/runtime/serve-without-addons.ts
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import OpenAI from 'openai';
import { createProxy, createProxyFetch, withArchestra } from '@archestra/llm-proxy';
import { expressProxy } from '@archestra/llm-proxy/express';
import { fastifyProxy } from '@archestra/llm-proxy/fastify';
import { koaProxy } from '@archestra/llm-proxy/koa';
import { nodeProxy } from '@archestra/llm-proxy/node';
import { startOpenAIUpstream } from '../upstream/openai.js';

const up = await startOpenAIUpstream();
const proxy = createProxy({ providers: { openai: { baseUrl: up.baseUrl } } });
const answers: Record<string, string | null> = {};

async function ask(way: string, client: OpenAI): Promise<void> {
  up.reply({ kind: 'chat', content: `answered via ${way}` });
  const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  answers[way] = completion.choices[0]?.message.content ?? null;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    // The SDK's keep-alive connections would hold the server open until they time out.
    server.closeAllConnections();
  });
const mounted = (origin: string) => new OpenAI({ apiKey: 'sk-no-addons-0123', baseURL: `${origin}/v1/openai`, maxRetries: 0 });

await ask('createProxyFetch', new OpenAI({ apiKey: 'sk-no-addons-0123', baseURL: up.baseUrl, maxRetries: 0, fetch: createProxyFetch(proxy) }));
await ask('withArchestra', withArchestra(new OpenAI({ apiKey: 'sk-no-addons-0123', baseURL: up.baseUrl, maxRetries: 0 }), { proxy }));

const nodeServer = createServer(nodeProxy(proxy, { prefix: '/v1' }));
await ask('node', mounted(await listen(nodeServer)));
await close(nodeServer);

const expressApp = express();
expressApp.use('/v1', expressProxy(proxy));
const expressServer = createServer(expressApp);
await ask('express', mounted(await listen(expressServer)));
await close(expressServer);

const koaApp = new Koa();
koaApp.use(koaProxy(proxy, { prefix: '/v1' }));
const koaServer = createServer(koaApp.callback());
await ask('koa', mounted(await listen(koaServer)));
await close(koaServer);

const fastify = Fastify({ forceCloseConnections: true });
await fastify.register(fastifyProxy, { proxy, prefix: '/v1' });
await ask('fastify', mounted(await fastify.listen({ port: 0, host: '127.0.0.1' })));
await fastify.close();

const rows = (await proxy.store.listInteractions()).length;
await proxy.close();

// The control: a file store does need the addon, so under --no-addons asking for one must fail.
const dir = mkdtempSync(join(tmpdir(), 'archestra-no-addons-'));
let sqliteError: string | null = null;
try {
  const fileProxy = createProxy({ store: join(dir, 'audit.sqlite') });
  await fileProxy.close();
} catch (error) {
  sqliteError = error instanceof Error ? error.message : String(error);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
await up.close();
console.log(JSON.stringify({ node: process.version, answers, rows, sqliteError }));
