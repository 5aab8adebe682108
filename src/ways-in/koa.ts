/**
 * @module
 * Koa middleware serving the proxy under `prefix`; other paths go on to `next()`.
 *
 * @example
 * import Koa from 'koa';
 * import { createProxy } from '@archestra/llm-proxy';
 * import { koaProxy } from '@archestra/llm-proxy/koa';
 *
 * const app = new Koa();
 * app.use(koaProxy(createProxy(), { prefix: '/v1' }));
 * app.listen(9000);
 * // new OpenAI({ baseURL: 'http://127.0.0.1:9000/v1/openai' })
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Proxy } from '../proxy.js';
import { handleNodeRequest, stripPrefix } from './node.js';

export interface KoaProxyOptions {
  /** Path the proxy is mounted at. @default '' (the root) */
  prefix?: string;
}

/** The parts of Koa's context the adapter uses, so Koa itself is never imported. */
export interface KoaContextLike {
  req: IncomingMessage;
  res: ServerResponse;
  url: string;
  respond?: boolean;
  request: { body?: unknown };
}

export type KoaMiddleware = (ctx: KoaContextLike, next: () => Promise<unknown>) => Promise<void>;

export function koaProxy(proxy: Proxy, options: KoaProxyOptions = {}): KoaMiddleware {
  const prefix = options.prefix && options.prefix !== '/' ? `/${options.prefix.replace(/^\/+|\/+$/g, '')}` : '';
  return async (ctx, next) => {
    const path = stripPrefix(ctx.url, prefix);
    if (path === null) {
      await next();
      return;
    }
    // The proxy writes the Node response itself, streaming included.
    ctx.respond = false;
    await handleNodeRequest(proxy, ctx.req, ctx.res, { path, parsedBody: ctx.request.body });
  };
}
