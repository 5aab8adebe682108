/**
 * @module
 * Mounts the proxy in an Express (4 or 5) app. Express strips the mount path, so `req.url` is
 * already relative to it. A JSON body parser that ran before the proxy is fine: its result is used.
 *
 * @example
 * import express from 'express';
 * import { createProxy } from '@archestra/llm-proxy';
 * import { expressProxy } from '@archestra/llm-proxy/express';
 *
 * const app = express();
 * app.use('/v1', expressProxy(createProxy()));
 * app.listen(9000);
 * // new OpenAI({ baseURL: 'http://127.0.0.1:9000/v1/openai' })
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Proxy } from '../proxy.js';
import { handleNodeRequest } from './node.js';

/** The shape of an Express middleware, without importing Express. */
export type ExpressMiddleware = (req: IncomingMessage & { body?: unknown }, res: ServerResponse, next: (error?: unknown) => void) => void;

export function expressProxy(proxy: Proxy): ExpressMiddleware {
  return (req, res) => {
    void handleNodeRequest(proxy, req, res, { path: req.url ?? '/', parsedBody: req.body });
  };
}
