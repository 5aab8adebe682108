/**
 * `nodeProxy()` on a plain `http.createServer`, driven by the real OpenAI SDK over real sockets.
 */
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeProxy } from '../../src/ways-in/node.js';
import { describeOpenAIWayIn } from '../helpers/openai-way-in-suite.js';
import { listen, startWayIn, type WayInHarness } from '../helpers/way-in.js';

const mountNode = async (proxy: Parameters<typeof nodeProxy>[0]) => listen(createServer(nodeProxy(proxy, { prefix: '/v1' })));

describeOpenAIWayIn('node:http nodeProxy({ prefix: "/v1" })', mountNode);

describe('node:http nodeProxy: paths outside the prefix', () => {
  let h: WayInHarness;
  beforeAll(async () => {
    h = await startWayIn(mountNode);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers 404 in JSON without a next handler, and never calls the upstream', async () => {
    for (const path of ['/other', '/v1openai/models', '/']) {
      const res = await fetch(`${h.origin}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toMatchObject({ error: { type: 'not_found_error' } });
    }
    expect(h.up.requests).toHaveLength(0);
  });

  it('hands paths outside the prefix to next() when there is one', async () => {
    const handler = nodeProxy(h.proxy, { prefix: '/v1' });
    const server = await listen(
      createServer((req, res) => handler(req, res, () => res.writeHead(200, { 'content-type': 'text/plain' }).end(`next saw ${req.url}`))),
    );
    try {
      const other = await fetch(`${server.origin}/health?x=1`);
      expect(other.status).toBe(200);
      expect(await other.text()).toBe('next saw /health?x=1');
      const models = await fetch(`${server.origin}/v1/openai/models`, { headers: { authorization: 'Bearer sk-x' } });
      expect(models.status).toBe(200);
      expect((await models.json()).object).toBe('list');
    } finally {
      await server.close();
    }
  });
});
