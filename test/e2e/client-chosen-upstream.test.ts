/**
 * I6 (SECURITY-TESTS.md): a client cannot choose where the proxy connects. Some gateways honour a
 * body field (`api_base`, `base_url`, `baseURL`, `endpoint`, nested `config.base_url`,
 * `extra_body`), a header (`Host`, `X-Forwarded-Host`, `X-Original-URL`, ...) or a model named by
 * URL; with the proxy, egress goes only to the configured upstream. A second "evil" server on
 * 127.0.0.1 counts every connection it gets: it must get none, for each provider.
 *
 * The choice: such fields and headers are inert, not refused (the proxy derives no destination
 * from a request; body fields go to the configured upstream as they came, and a provider that
 * does not know them says so itself; the headers are dropped or kept like any other). A model that
 * is a URL is refused 400 in the provider's shape: a client that expects it to pick the host
 * learns it does not. (In Gemini's path such a model matches no route: 404.)
 */
import { request as httpRequest } from 'node:http';
import { type AddressInfo, type Server, createServer } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/cli/server.js';
import { type Proxy, createProxyFetch } from '../../src/index.js';
import { auditRows } from '../helpers/proxy.js';
import { type RawUpstream, startRawStreamUpstream } from '../helpers/raw-stream-upstream.js';
import { FORMATS, type StreamFormat, proxyFor } from '../helpers/stream-formats.js';

let up: RawUpstream;
let evil: Server;
let evilUrl: string;
let evilConnections = 0;
let proxy: Proxy;
let server: RunningServer;
let port: number;

beforeAll(async () => {
  up = await startRawStreamUpstream();
  evil = createServer((socket) => {
    evilConnections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
  proxy = proxyFor(up.url);
  server = await startServer(proxy, '127.0.0.1', 0);
  port = (server.server.address() as AddressInfo).port;
});
beforeEach(() => up.reset());
afterAll(async () => {
  await server.close(0);
  await new Promise((resolve) => evil.close(resolve));
  await up.close();
  // Checked once more at the very end: nothing reached it, whatever ran.
  expect(evilConnections).toBe(0);
});

/** The format's streamed request, sent through the bundled server with `node:http` (so `Host` is what the test says). */
async function send(format: StreamFormat, change: (body: Record<string, unknown>) => unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const base = format.request();
  const url = new URL(base.url);
  const all: Record<string, string> = {};
  base.headers.forEach((value, name) => (all[name] = value));
  const body = JSON.stringify(change((await base.json()) as Record<string, unknown>));
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: `/v1${url.pathname}${url.search}`, headers: { ...all, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe.each(FORMATS)('I6: $label', (format) => {
  it('upstream-choosing body fields and headers: served by the configured upstream, the fields passed on unchanged; the evil server gets nothing', async () => {
    up.reply({ headers: { 'content-type': format.contentType }, steps: format.golden() });
    const evilHost = new URL(evilUrl).host;
    const fields = {
      api_base: `${evilUrl}/v1`,
      base_url: `${evilUrl}/v1`,
      baseURL: `${evilUrl}/v1`,
      endpoint: `${evilUrl}/v1/chat/completions`,
      config: { base_url: evilUrl, http_options: { base_url: evilUrl } },
      extra_body: { api_base: evilUrl, base_url: evilUrl },
    };
    const answer = await send(format, (body) => ({ ...body, ...fields }), {
      host: evilHost,
      'x-forwarded-host': evilHost,
      'x-host': evilHost,
      'x-original-url': `${evilUrl}/v1/chat/completions`,
      'x-rewrite-url': `${evilUrl}/v1/chat/completions`,
      'x-upstream-url': evilUrl,
      'x-base-url': evilUrl,
      forwarded: `host=${evilHost};proto=http`,
    });
    expect(answer.status).toBe(200);
    expect(format.succeeded(answer.body)).toBe(true);
    expect(up.requests).toHaveLength(1);
    expect(up.requests[0]!.json).toMatchObject(fields);
    expect(up.requests[0]!.headers.host).toBe(new URL(up.url).host);
    expect(evilConnections).toBe(0);
  });

  // Gemini's model is in the path: a URL there matches no route (tested with the path parameters).
  const bodyModel = format.id === 'gemini' ? () => undefined : it;
  bodyModel('a model that is a URL: 400 in the provider shape, nothing sent anywhere, one row', async () => {
    for (const model of [`${evilUrl}/v1`, `https://evil.test/v1`, `//evil.test/v1`, `HTTP://evil.test`, ` http://evil.test`, 'file:///etc/passwd', 'gpt-4o\r\nX-Injected: 1']) {
      const session = `model-url-${format.id}`;
      const answer = await send(format, (body) => ({ ...body, model }), { 'x-archestra-session-id': session });
      expect(answer.status, model).toBe(400);
      const error = JSON.parse(answer.body).error;
      expect(typeof error === 'string' ? error : error.message).toMatch(/not a URL|control characters/);
    }
    expect(up.requests).toHaveLength(0);
    expect(evilConnections).toBe(0);
    const rows = await auditRows(proxy, { sessionId: `model-url-${format.id}` });
    expect(rows).toHaveLength(7);
    expect(rows.every((row) => row.status === 400 && row.outcome === 'rejected')).toBe(true);
  });

  bodyModel('model names that merely contain a slash or a colon are served (Ollama `hf.co/org/repo:tag`, fine-tuned `ft:gpt-4o:org::id`)', async () => {
    for (const model of ['hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M', 'ft:gpt-4o-mini:acme::abc123']) {
      up.reply({ headers: { 'content-type': format.contentType }, steps: format.golden() });
      const answer = await send(format, (body) => ({ ...body, model }));
      expect(answer.status, model).toBe(200);
    }
    expect(up.requests.map((request) => request.json.model)).toEqual(['hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M', 'ft:gpt-4o-mini:acme::abc123']);
  });
});

describe('I6: in process', () => {
  it("Gemini: a model URL in the path matches no route (404 in Gemini's shape)", async () => {
    const response = await proxy.handle(new Request(`http://proxy/gemini/v1beta/models/${encodeURIComponent(`${evilUrl}/x`)}:generateContent`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    }));
    expect(response.status).toBe(404);
    expect((await response.json()).error).toMatchObject({ status: 'NOT_FOUND' });
    expect(up.requests).toHaveLength(0);
  });

  it('an SDK pointed at another host through createProxyFetch is refused, not forwarded there', async () => {
    const sdk = new OpenAI({ apiKey: 'sk-edge', baseURL: `${evilUrl}/v1`, maxRetries: 0, fetch: createProxyFetch(proxy) });
    const error = await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(String((error as Error).message)).toContain('cannot tell which provider');
    expect(up.requests).toHaveLength(0);
    expect(evilConnections).toBe(0);
  });
});
