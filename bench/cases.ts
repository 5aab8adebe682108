/**
 * The cases one run compares, each an OpenAI SDK client (openai 6.x) aimed at the same upstream:
 *
 *   direct      the SDK straight to the upstream (global fetch): the baseline
 *   undici      the SDK with an undici Pool as its `fetch`, straight to the upstream: the floor
 *   in-process  the SDK through `createProxyFetch`, SQLite store in a file
 *   server      the SDK through the bundled server (`src/cli/main.ts serve`), a child process
 *   express     the SDK through `expressProxy` in an Express 5 app, a child process
 *   peer        the SDK through Portkey's gateway (@portkey-ai/gateway, npm), a child process
 */
import { writeFileSync } from 'node:fs';
import { BENCH_POLICIES } from './policies.js';
import { dirname, join } from 'node:path';
import OpenAI from 'openai';
import { createProxy, createProxyFetch } from '../src/index.js';
import { type Child, freePort, startNode } from './lib/children.js';
import { createPoolFetch } from './lib/undici-fetch.js';
import { API_KEY } from './lib/workloads.js';

export const CASE_IDS = ['direct', 'undici', 'in-process', 'server', 'express', 'peer'] as const;
export type CaseId = (typeof CASE_IDS)[number];

export const CASE_LABELS: Record<CaseId, string> = {
  direct: 'direct (SDK, global fetch)',
  undici: 'bare undici floor (SDK, Pool fetch)',
  'in-process': 'in-process (createProxyFetch, SQLite file)',
  server: 'server (bundled, node:http)',
  express: 'express (expressProxy middleware)',
  peer: 'peer (Portkey gateway 1.15.2)',
};

export { POLICIES_STATUS } from './policies.js';

export interface BenchCase {
  id: CaseId;
  client: OpenAI;
  /** The process that runs the proxy (the child for server cases, this process in-process). */
  proxyPid?: number;
  close(): Promise<void>;
}

export interface Environment {
  tmp: string;
  upstream: Child;
  server: Child;
  express: Child;
  peer: Child;
  /** The upstream's OpenAI base URL (with /v1). */
  baseUrl: string;
  stop(): Promise<void>;
}

export const PEER_ENTRY = 'node_modules/@portkey-ai/gateway/build/start-server.js';

export async function startUpstream(): Promise<Child> {
  return startNode('upstream', ['bench/upstream.ts'], { ready: /LISTENING (\d+)/ });
}

/**
 * The bundled server, as `npm start` runs it (`node --import tsx src/cli/main.ts serve`), or, with
 * `compiled`, from that file bundled to plain JavaScript (as `npx archestra-proxy serve` runs
 * dist/cli.js, without tsx's loader thread). `config` (a JSON file path) is only for the memory test.
 */
export async function startBundledServer(upstreamBase: string, db: string, options: { config?: string; compiled?: string } = {}): Promise<Child> {
  // The server runs with the same policies as the other cases, from a config file.
  const config = options.config ?? join(dirname(db), 'bench-policies.json');
  if (!options.config) writeFileSync(config, JSON.stringify({ policies: BENCH_POLICIES }));
  const args = [options.compiled ?? 'src/cli/main.ts', 'serve', '--port', '0', '--db', db, '--config', config];
  return startNode('server', args, { env: { ARCHESTRA_OPENAI_BASE_URL: upstreamBase }, ready: /listening on (http:\/\/\S+)/, tsx: options.compiled === undefined });
}

export async function startEnvironment(tmp: string): Promise<Environment> {
  const upstream = await startUpstream();
  const baseUrl = `${upstream.url}/v1`;
  const peerPort = await freePort();
  const [server, express, peer] = await Promise.all([
    startBundledServer(baseUrl, join(tmp, 'server.db')),
    startNode('express', ['bench/express-server.ts'], { env: { BENCH_UPSTREAM: baseUrl, BENCH_DB: join(tmp, 'express.db') }, ready: /LISTENING (\d+)/ }),
    startNode('peer', [PEER_ENTRY, `--port=${peerPort}`, '--headless'], { tsx: false, readyUrl: `http://127.0.0.1:${peerPort}`, timeoutMs: 60_000 }),
  ]);
  return {
    tmp,
    upstream,
    server,
    express,
    peer,
    baseUrl,
    async stop() {
      await Promise.all([server.stop(), express.stop(), peer.stop()]);
      await upstream.stop();
    },
  };
}

/** Headers that make Portkey forward to the local upstream as an OpenAI provider. */
export function peerHeaders(env: Environment): Record<string, string> {
  return { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': env.baseUrl };
}

const sdk = (baseURL: string, extra: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}) => new OpenAI({ apiKey: API_KEY, baseURL, maxRetries: 0, timeout: 60_000, ...extra });

export async function buildCases(env: Environment): Promise<BenchCase[]> {
  const floor = createPoolFetch(env.upstream.url);
  const proxy = createProxy({
    providers: { openai: { baseUrl: env.baseUrl } },
    store: join(env.tmp, 'in-process.db'),
    policies: BENCH_POLICIES,
  });
  const none = async () => {};
  const all: Record<CaseId, BenchCase> = {
    direct: { id: 'direct', client: sdk(env.baseUrl), close: none },
    undici: { id: 'undici', client: sdk(env.baseUrl, { fetch: floor.fetch }), close: () => floor.close() },
    'in-process': {
      id: 'in-process',
      client: sdk(env.baseUrl, { fetch: createProxyFetch(proxy, { agentId: 'bench-agent' }) }),
      proxyPid: process.pid,
      close: () => proxy.close(),
    },
    server: { id: 'server', client: sdk(`${env.server.url}/v1/openai`), proxyPid: env.server.pid, close: none },
    express: { id: 'express', client: sdk(`${env.express.url}/v1/openai`), proxyPid: env.express.pid, close: none },
    peer: { id: 'peer', client: sdk(`${env.peer.url}/v1`, { defaultHeaders: peerHeaders(env) }), proxyPid: env.peer.pid, close: none },
  };
  return CASE_IDS.map((id) => all[id]);
}
