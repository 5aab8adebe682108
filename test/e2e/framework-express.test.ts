/**
 * `expressProxy()` mounted with `app.use('/v1', ...)` in an Express 5 app, driven by the real
 * OpenAI SDK over real sockets; once on its own and once after `express.json()`, whose parsed
 * body the adapter must reuse (the raw stream is used up by then).
 */
import { createServer } from 'node:http';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Proxy } from '../../src/proxy.js';
import { expressProxy } from '../../src/ways-in/express.js';
import { describeOpenAIWayIn } from '../helpers/openai-way-in-suite.js';
import { CLIENT_KEY, listen, startWayIn, type WayInHarness } from '../helpers/way-in.js';

/** The proxy at /v1 between two ordinary routes; `json` puts express.json() before everything. */
function expressApp(proxy: Proxy, json: boolean) {
  const app = express();
  if (json) app.use(express.json());
  app.get('/health', (_req, res) => {
    res.json({ ok: true });
  });
  app.use('/v1', expressProxy(proxy));
  app.post('/echo', (req, res) => {
    res.json({ body: req.body ?? null });
  });
  return app;
}

describeOpenAIWayIn('express app.use("/v1", expressProxy(proxy))', async (proxy) => listen(createServer(expressApp(proxy, false))));
describeOpenAIWayIn('express.json() before app.use("/v1", expressProxy(proxy))', async (proxy) => listen(createServer(expressApp(proxy, true))));

describe('express: the proxy next to ordinary routes', () => {
  for (const json of [false, true]) {
    describe(json ? 'with express.json() first' : 'without a body parser', () => {
      let h: WayInHarness;
      beforeAll(async () => {
        h = await startWayIn(async (proxy) => listen(createServer(expressApp(proxy, json))));
      });
      afterEach(() => h.up.reset());
      afterAll(async () => {
        await h?.close();
      });

      it('routes outside /v1 still work, and never reach the upstream', async () => {
        const health = await fetch(`${h.origin}/health`);
        expect(health.status).toBe(200);
        expect(await health.json()).toEqual({ ok: true });
        const echo = await fetch(`${h.origin}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":[1,2]}' });
        expect(echo.status).toBe(200);
        expect(await echo.json()).toEqual({ body: json ? { a: [1, 2] } : null });
        expect(h.up.requests).toHaveLength(0);
      });

      it('a body nested 10,000 deep (I7): a 400 in the OpenAI shape, nothing upstream, and the app keeps serving', async () => {
        const deep = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
        const res = await fetch(`${h.origin}/v1/openai/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` }, body: deep });
        expect(res.status).toBe(400);
        expect((await res.json()).error).toMatchObject({ type: 'invalid_request_error' });
        expect(h.up.requests).toHaveLength(0);
        expect((await fetch(`${h.origin}/health`)).status).toBe(200);
      });

      it('a JSON body with whitespace and escapes reaches the upstream as the same JSON', async () => {
        // Pretty-printed: once express.json() parsed it, the bytes (and length) the proxy sends differ.
        const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'héllo "quoted" \u2028 ✓' }], temperature: 0.5 };
        const res = await fetch(`${h.origin}/v1/openai/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
          body: JSON.stringify(body, null, 2),
        });
        expect(res.status).toBe(200);
        expect((await res.json()).choices[0].message.content).toBe('Hello from the scripted upstream.');
        expect(h.up.requests).toHaveLength(1);
        expect(h.up.requests[0]!.json).toEqual(body);
        if (!json) expect(h.up.requests[0]!.body).toBe(JSON.stringify(body, null, 2));
      });
    });
  }
});
