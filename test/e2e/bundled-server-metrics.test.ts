/**
 * The bundled server's `/metrics`: open on the main port by default; behind a bearer token
 * (`server.metrics.token`, `ARCHESTRA_METRICS_TOKEN`) compared in constant time; on a port of its
 * own (`server.metrics.port`, `server.metrics.host`). `/healthz` stays open.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningServer, type StartServerOptions, startServer } from '../../src/cli/server.js';
import { createProxy } from '../../src/proxy.js';
import { closedPort } from '../helpers/proxy.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';
import { startCli } from '../helpers/cli-server.js';

// Observe (not replace) node's timingSafeEqual: the real one runs, the spy only records its calls.
const spy = vi.hoisted(() => ({ calls: [] as [number, number][] }));
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return {
    ...actual,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      spy.calls.push([a.byteLength, b.byteLength]);
      return actual.timingSafeEqual(a, b);
    },
  };
});

const TOKEN = 'metrics-token-0123456789abcdef';

let up: ScriptedOpenAI;
const running: RunningServer[] = [];
beforeAll(async () => {
  up = await startOpenAIUpstream();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close(0)));
});
afterAll(() => up.close());

/** The bundled server (what `archestra-proxy serve` runs) on a free port, with one chat answered so the metrics have a sample. */
async function bundled(options: StartServerOptions = {}, port = 0): Promise<RunningServer> {
  const proxy = createProxy({ providers: { openai: { baseUrl: up.baseUrl } } });
  const server = await startServer(proxy, '127.0.0.1', port, options);
  running.push(server);
  const chat = await fetch(`${server.url}/v1/openai/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-metrics-test' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(chat.status).toBe(200);
  return server;
}

const SAMPLE = /llm_request_duration_seconds_count\{[^}]*provider="openai"[^}]*\} 1/;

async function scrape(url: string, authorization?: string): Promise<{ status: number; text: string; challenge: string | null }> {
  const response = await fetch(url, authorization === undefined ? {} : { headers: { authorization } });
  return { status: response.status, text: await response.text(), challenge: response.headers.get('www-authenticate') };
}

describe('bundled server /metrics', () => {
  it('by default: on the main port, no token asked', async () => {
    const server = await bundled();
    expect(server.metricsUrl).toBe(`${server.url}/metrics`);
    const open = await scrape(server.metricsUrl);
    expect(open.status).toBe(200);
    expect(open.text).toMatch(SAMPLE);
  });

  it('with a token: served with Authorization: Bearer <token>; 401 without it or with a wrong one; /healthz stays open', async () => {
    const server = await bundled({ metrics: { token: TOKEN } });
    expect(server.metricsUrl).toBe(`${server.url}/metrics`);

    const served = await scrape(server.metricsUrl, `Bearer ${TOKEN}`);
    expect(served.status).toBe(200);
    expect(served.text).toMatch(SAMPLE);
    expect((await scrape(server.metricsUrl, `bearer ${TOKEN}`)).status).toBe(200);

    const refused = [
      await scrape(server.metricsUrl),
      await scrape(server.metricsUrl, 'Bearer '),
      await scrape(server.metricsUrl, `Bearer ${TOKEN.slice(0, -1)}`),
      await scrape(server.metricsUrl, `Bearer ${TOKEN.slice(0, -1)}X`),
      await scrape(server.metricsUrl, `Bearer ${TOKEN}X`),
      await scrape(server.metricsUrl, `Basic ${Buffer.from(`metrics:${TOKEN}`).toString('base64')}`),
      await scrape(server.metricsUrl, TOKEN),
      await scrape(`${server.metricsUrl}?token=${TOKEN}`),
    ];
    for (const answer of refused) {
      expect(answer.status).toBe(401);
      expect(answer.challenge).toBe('Bearer realm="metrics"');
      expect(answer.text).not.toMatch(/llm_/);
    }

    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
  });

  it('compares the token in constant time: SHA-256 digests of equal length through timingSafeEqual, whatever the length presented', async () => {
    const server = await bundled({ metrics: { token: TOKEN } });
    spy.calls.length = 0;
    for (const presented of ['x', TOKEN.slice(0, -1), `${TOKEN}${'y'.repeat(500)}`]) {
      expect((await scrape(server.metricsUrl, `Bearer ${presented}`)).status).toBe(401);
    }
    expect(spy.calls).toEqual([
      [32, 32],
      [32, 32],
      [32, 32],
    ]);
  });

  it('on its own port: served there only (the main port answers 404), token and all; closed with the server', async () => {
    const server = await bundled({ metrics: { port: 0, token: TOKEN } });
    const metricsPort = Number(new URL(server.metricsUrl).port);
    expect(server.metricsUrl).toBe(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metricsPort).not.toBe(Number(new URL(server.url).port));

    expect((await scrape(`${server.url}/metrics`, `Bearer ${TOKEN}`)).status).toBe(404);
    const served = await scrape(server.metricsUrl, `Bearer ${TOKEN}`);
    expect(served.status).toBe(200);
    expect(served.text).toMatch(SAMPLE);
    expect((await scrape(server.metricsUrl)).status).toBe(401);
    // Nothing else is served on the metrics port; the proxy and /healthz stay on the main one.
    expect((await scrape(`http://127.0.0.1:${metricsPort}/v1/openai/models`)).status).toBe(404);
    expect((await scrape(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(404);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    await running.pop()!.close(0);
    await expect(fetch(server.metricsUrl)).rejects.toThrow();
  });

  it('on its own port without a token: open there', async () => {
    const server = await bundled({ metrics: { port: 0 } });
    expect(server.metricsUrl).not.toBe(`${server.url}/metrics`);
    expect((await scrape(server.metricsUrl)).status).toBe(200);
    expect((await scrape(`${server.url}/metrics`)).status).toBe(404);
  });

  it('a metrics port already taken: startServer fails, and the main port is not left listening', async () => {
    const taken = await occupyPort();
    const mainPort = await closedPort();
    const proxy = createProxy({ providers: { openai: { baseUrl: up.baseUrl } } });
    try {
      await expect(startServer(proxy, '127.0.0.1', mainPort, { metrics: { port: taken.port } })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      await expect(fetch(`http://127.0.0.1:${mainPort}/healthz`)).rejects.toThrow();
    } finally {
      await proxy.close();
      await new Promise((resolve) => taken.server.close(resolve));
    }
  });
});

describe('archestra-proxy serve: /metrics settings from the config file and ARCHESTRA_METRICS_TOKEN', () => {
  const dir = mkdtempSync(join(tmpdir(), 'archestra-cli-metrics-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves /metrics on its own port behind the token, and exits 1 with one message when that port is taken', async () => {
    const taken = await occupyPort();
    try {
      const good = join(dir, 'metrics.json');
      writeFileSync(good, JSON.stringify({ server: { port: 0, metrics: { port: 0, host: '127.0.0.1' } }, store: join(dir, 'a.db'), providers: { openai: { baseUrl: up.baseUrl } } }));
      const busy = join(dir, 'busy.json');
      writeFileSync(busy, JSON.stringify({ server: { port: 0, metrics: { port: taken.port } }, store: join(dir, 'b.db') }));
      const [started, failed] = await Promise.all([startCli(['--config', good], { ARCHESTRA_METRICS_TOKEN: TOKEN }), runCli(['--config', busy])]);

      const metricsUrl = /metrics: (http:\/\/\S+) \(token required\)/.exec(started.output())?.[1];
      expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(metricsUrl).not.toBe(`${started.url}/metrics`);
      expect((await scrape(metricsUrl!)).status).toBe(401);
      expect((await scrape(metricsUrl!, `Bearer ${TOKEN}`)).status).toBe(200);
      expect((await scrape(`${started.url}/metrics`, `Bearer ${TOKEN}`)).status).toBe(404);
      started.child.kill('SIGTERM');
      expect(await new Promise((resolve) => started.child.once('exit', resolve))).toBe(0);

      expect(failed.code).toBe(1);
      expect(failed.stderr).toBe(`archestra-proxy: listen EADDRINUSE: address already in use 127.0.0.1:${taken.port}\n`);
    } finally {
      await new Promise((resolve) => taken.server.close(resolve));
    }
  }, 30_000);
});

/** A port on 127.0.0.1 something already listens on. */
async function occupyPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('ARCHESTRA_')) env[name] = value;
  return { ...env, ...extra };
}


function runCli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', ...args], { env: cliEnv({}) });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // A process that should have ended but keeps listening is killed, so the test fails instead of hanging.
  const stuck = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(stuck);
      resolve({ code, stderr });
    }),
  );
}
