/**
 * `npx tsx bench/profile.ts [server|in-process] [--seconds 10]`: where the proxy spends its CPU.
 * Profiles the proxy (V8 CPU profiler, started after warm-up) against the benchmark upstream (server: the bundled server
 * under autocannon at 50 connections; in-process: the OpenAI SDK through createProxyFetch at
 * concurrency 10), then prints self time per function, the ones in src/ first. Not part of
 * `npm run bench`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import OpenAI from 'openai';
import { createProxy, createProxyFetch } from '../src/index.js';
import { startUpstream } from './cases.js';
import { type Child, ROOT, startNode } from './lib/children.js';
import { selfTimes } from './lib/cpuprofile.js';
import { runBlock } from './lib/load.js';
import { API_KEY } from './lib/workloads.js';
import { autocannon } from './throughput.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { seconds: { type: 'string', default: '10' }, child: { type: 'string' }, upstream: { type: 'string' }, db: { type: 'string' } } });
// Runs the proxy with a profiler preload (bench/lib/profile-preload.ts) signalled after warm-up.
const seconds = Number(values.seconds);

/** The in-process load, run in a child: signals its parent when warm, runs until told to stop. */
async function inProcessChild(upstreamBase: string, db: string): Promise<void> {
  const proxy = createProxy({ providers: { openai: { baseUrl: upstreamBase } }, store: db });
  const client = new OpenAI({ apiKey: API_KEY, baseURL: upstreamBase, maxRetries: 0, fetch: createProxyFetch(proxy, { agentId: 'bench-agent' }) });
  await runBlock(client, 'chat', 2000, 10);
  process.stdout.write('WARM\n');
  let requests = 0;
  for (;;) {
    const block = await runBlock(client, 'chat', 200, 10);
    requests += block.latencyUs.length;
    if (requests % 10_000 < 200) process.stdout.write(`requests ${requests}\n`);
  }
}

async function until(child: Child, text: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!child.stdout().includes(text)) {
    if (Date.now() > deadline) throw new Error(`${child.name}: no "${text}" within ${timeoutMs} ms: ${child.stderrTail()}`);
    await sleep(50);
  }
}

async function main(): Promise<void> {
  if (values.child === 'in-process') return inProcessChild(values.upstream!, values.db!);
  const mode = positionals[0] ?? 'server';
  const dir = mkdtempSync(join(tmpdir(), 'llm-proxy-profile-'));
  const out = join(dir, 'profile.cpuprofile');
  const upstream = await startUpstream();
  const base = `${upstream.url}/v1`;
  const preload = ['--import', './bench/lib/profile-preload.ts'];
  const env = { BENCH_PROFILE_OUT: out };
  let child: Child | undefined;
  try {
    if (mode === 'server') {
      child = await startNode('server', [...preload, 'src/cli/main.ts', 'serve', '--port', '0', '--db', join(dir, 'server.db')], { env: { ...env, ARCHESTRA_OPENAI_BASE_URL: base }, ready: /listening on (http:\/\/\S+)/ });
      const url = `${child.url}/v1/openai/chat/completions`;
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` };
      await autocannon(url, headers, 50, 3);
      process.kill(child.pid, 'SIGUSR2');
      const run = await autocannon(url, headers, 50, seconds);
      console.log(`server under autocannon, 50 connections: ${(run['2xx'] / run.duration).toFixed(0)} req/s`);
    } else {
      child = await startNode('in-process', [...preload, 'bench/profile.ts', '--child', 'in-process', '--upstream', base, '--db', join(dir, 'in-process.db')], { env, ready: /(WARM)/, timeoutMs: 60_000 });
      process.kill(child.pid, 'SIGUSR2');
      await sleep(seconds * 1000);
      console.log('in-process, OpenAI SDK at concurrency 10');
    }
    process.kill(child.pid, 'SIGUSR2');
    await until(child, 'PROFILE WRITTEN');
    const { byFunction, byWhere, totalMs } = selfTimes(out, ROOT);
    const row = (r: { name: string; where: string; selfMs: number; share: number }) => `${(r.share * 100).toFixed(1).padStart(5)}%  ${r.selfMs.toFixed(0).padStart(6)} ms  ${r.name.slice(0, 64).padEnd(64)} ${r.where}`;
    console.log(`\nbusy ${totalMs.toFixed(0)} ms of ${seconds * 1000} ms; self time by file or package:`);
    for (const r of byWhere.slice(0, 15)) console.log(`${(r.share * 100).toFixed(1).padStart(5)}%  ${r.selfMs.toFixed(0).padStart(6)} ms  ${r.name}`);
    console.log('\ntop functions in src/:');
    for (const r of byFunction.filter((f) => f.where.startsWith('src/')).slice(0, 20)) console.log(row(r));
    console.log('\ntop functions overall:');
    for (const r of byFunction.slice(0, 25)) console.log(row(r));
  } finally {
    if (child) {
      process.kill(child.pid, 'SIGKILL');
      await child.stop();
    }
    await upstream.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  },
);
