/**
 * @module
 * A Fastify (5) plugin serving the proxy under the `prefix` it is registered with. The plugin is
 * encapsulated: its raw-body parser applies to the proxy's routes only.
 *
 * @example
 * import Fastify from 'fastify';
 * import { createProxy } from '@archestra/llm-proxy';
 * import { fastifyProxy } from '@archestra/llm-proxy/fastify';
 *
 * const app = Fastify();
 * await app.register(fastifyProxy, { proxy: createProxy(), prefix: '/v1' });
 * await app.listen({ port: 9000 });
 * // new OpenAI({ baseURL: 'http://127.0.0.1:9000/v1/openai' })
 */
import type { FastifyInstance, FastifyPluginOptions } from 'fastify';
import type { Proxy } from '../proxy.js';
import { toRequest } from './node.js';

export interface FastifyProxyOptions extends FastifyPluginOptions {
  proxy: Proxy;
}

export async function fastifyProxy(fastify: FastifyInstance, options: FastifyProxyOptions): Promise<void> {
  const { proxy } = options;
  // The proxy needs the bytes as sent: no JSON parsing here, and its own size limit applies.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: Number.MAX_SAFE_INTEGER }, (_request, body, done) => done(null, body));
  // A wildcard, not a route per path: Gemini paths hold a ':' that route patterns treat specially.
  fastify.all('/*', async (request, reply) => {
    const controller = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
    const wildcard = (request.params as Record<string, string>)['*'] ?? '';
    const queryAt = request.url.indexOf('?');
    const path = `/${wildcard}${queryAt === -1 ? '' : request.url.slice(queryAt)}`;
    const response = await proxy.handle(toRequest(request.raw, { path, parsedBody: request.body ?? undefined }, controller.signal));
    return reply.send(response);
  });
}

// Shown in Fastify's plugin tree and error messages.
Object.defineProperty(fastifyProxy, Symbol.for('fastify.display-name'), { value: '@archestra/llm-proxy' });
