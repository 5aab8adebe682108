/**
 * `koaProxy()` in a Koa 3 app, followed by an ordinary middleware serving other paths, driven by
 * the real OpenAI SDK over real sockets.
 */
import { createServer } from 'node:http';
import Koa from 'koa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Proxy } from '../../src/proxy.js';
import { koaProxy } from '../../src/ways-in/koa.js';
import { describeOpenAIWayIn } from '../helpers/openai-way-in-suite.js';
import { listen, startWayIn, type WayInHarness } from '../helpers/way-in.js';

/** The proxy under /v1, then a middleware that answers every other path; `seen` lists what reached it. */
function koaApp(proxy: Proxy, seen: string[] = []) {
  const app = new Koa();
  app.use(koaProxy(proxy, { prefix: '/v1' }));
  app.use(async (ctx) => {
    seen.push(ctx.path);
    ctx.body = { served: 'by the next middleware', path: ctx.path };
  });
  return app;
}

describeOpenAIWayIn('koa app.use(koaProxy(proxy, { prefix: "/v1" }))', async (proxy) => listen(createServer(koaApp(proxy).callback())));

describe('koa: the proxy before another middleware', () => {
  const seen: string[] = [];
  let h: WayInHarness;
  beforeAll(async () => {
    h = await startWayIn(async (proxy) => listen(createServer(koaApp(proxy, seen).callback())));
  });
  afterEach(() => {
    h.up.reset();
    seen.length = 0;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('paths outside the prefix go on to the next middleware', async () => {
    for (const path of ['/health', '/v1openai/models']) {
      const res = await fetch(`${h.origin}${path}`);
      expect(res.status, path).toBe(200);
      expect(await res.json()).toEqual({ served: 'by the next middleware', path });
    }
    expect(seen).toEqual(['/health', '/v1openai/models']);
    expect(h.up.requests).toHaveLength(0);
  });

  it('proxied requests stop at the proxy: the next middleware never runs for them', async () => {
    await h.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    const stream = await h.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from the scripted upstream.');
    expect(h.up.requests).toHaveLength(2);
    expect(seen).toEqual([]);
  });
});
