/**
 * `nodeProxy()` on a plain `http.createServer`, driven by the real OpenAI SDK over real sockets.
 */
import { createServer, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxy, type Proxy } from '../../src/index.js';
import { nodeProxy } from '../../src/ways-in/node.js';
import { describeOpenAIWayIn } from '../helpers/openai-way-in-suite.js';
import { type Listening, listen, startWayIn, type WayInHarness } from '../helpers/way-in.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

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

describe('node:http nodeProxy: request bodies over limits.maxRequestBodyBytes', () => {
  let up: ScriptedOpenAI;
  let proxy: Proxy;
  let server: Listening;
  beforeAll(async () => {
    up = await startOpenAIUpstream();
    proxy = createProxy({ providers: { openai: { baseUrl: up.baseUrl } }, limits: { maxRequestBodyBytes: 1024 } });
    server = await listen(createServer(nodeProxy(proxy, { prefix: '/v1' })));
  });
  afterAll(async () => {
    await server?.close();
    await proxy?.close();
    await up?.close();
  });

  /** Posts `chunks` (chunked unless `length` is declared) and resolves with the status, body and Connection header. */
  const post = (chunks: string[], length?: number) =>
    new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', authorization: 'Bearer sk-x' };
      if (length !== undefined) headers['content-length'] = String(length);
      const req = httpRequest(`${server.origin}/v1/openai/chat/completions`, { method: 'POST', headers }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (text: string) => (body += text));
        res.on('end', () => resolve({ status: res.statusCode!, body, connection: res.headers.connection }));
      });
      req.on('error', reject);
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });

  it('answers 413 in the provider format for a declared length and for a chunked body, and closes the connection', async () => {
    const declared = await post(['{"model":"gpt-4o-mini"'], 4096);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({ error: { message: expect.stringContaining('1024 bytes') } });
    expect(declared.connection).toBe('close');
    const chunked = await post(['x'.repeat(800), 'x'.repeat(800)]);
    expect(chunked.status).toBe(413);
    expect(chunked.connection).toBe('close');
    expect(up.requests).toHaveLength(0);
  });

  it('forwards a chunked body under the limit as its bytes', async () => {
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'é'.repeat(100) }] });
    const answer = await post([body.slice(0, 50), body.slice(50)]);
    expect(answer.status).toBe(200);
    expect(up.requests.at(-1)?.body).toBe(body);
  });
});
