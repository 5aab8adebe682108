/**
 * What `audit.durability: 'commit'` (an answer waits for its row's commit) costs against
 * `'batched'` (rows written 20 ms later, nobody waits), through the bundled server on a SQLite file
 * (`synchronous=FULL`): chat calls one at a time and 50 at a time, and streams 50 at a time. Each
 * mode runs twice, alternating, on a fresh file; the upstream is bench/upstream.ts in its own
 * process. Not part of `npm run bench`; run with `npx tsx bench/durability.ts [requests]`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { API_KEY, CHAT_BODY } from './lib/workloads.js';

const REQUESTS = Number(process.argv[2] ?? 2_000);
const CONCURRENCY = 50;
const STREAMS = Math.round(REQUESTS / 2);
const dir = mkdtempSync(join(tmpdir(), 'archestra-durability-bench-'));

function start(args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) resolve({ child, match });
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}:\n${output}`)));
  });
}

async function call(url: string, stream: boolean): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${url}/v1/openai/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...CHAT_BODY, stream }),
  });
  await response.text();
  if (response.status !== 200) throw new Error(`status ${response.status}`);
  return performance.now() - started;
}

interface Run {
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
}

async function measure(count: number, concurrency: number, task: () => Promise<number>): Promise<Run> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < count) latencies.push(await task());
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { seconds, perSecond: count / seconds, p50: at(0.5), p99: at(0.99) };
}

const format = (run: Run) => `${run.seconds.toFixed(2)} s, ${run.perSecond.toFixed(0)} req/s, p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms`;

const upstream = await start(['bench/upstream.ts'], /LISTENING (\d+)/);
const baseUrl = `http://127.0.0.1:${upstream.match[1]}/v1`;
try {
  for (const [index, durability] of (['commit', 'batched', 'commit', 'batched'] as const).entries()) {
    const db = join(dir, `${index}-${durability}.db`);
    const config = join(dir, `${index}.json`);
    writeFileSync(config, JSON.stringify({ server: { port: 0 }, store: db, providers: { openai: { baseUrl } }, audit: { durability } }));
    const server = await start(['src/cli/main.ts', 'serve', '--config', config], /listening on (http:\/\/\S+)/);
    const url = server.match[1]!;
    await measure(200, 10, () => call(url, false)); // warm-up: connections, JIT, the writer thread
    const sequential = await measure(REQUESTS, 1, () => call(url, false));
    const concurrent = await measure(REQUESTS, CONCURRENCY, () => call(url, false));
    const streams = await measure(STREAMS, CONCURRENCY, () => call(url, true));
    server.child.kill('SIGTERM');
    await new Promise((resolve) => server.child.once('exit', resolve));
    const file = new Database(db, { readonly: true });
    const rows = (file.prepare('SELECT count(*) AS n FROM interactions').get() as { n: number }).n;
    file.close();
    console.log(`${durability.padEnd(8)} sequential ${format(sequential)}`);
    console.log(`${''.padEnd(8)} c=${CONCURRENCY}       ${format(concurrent)}`);
    console.log(`${''.padEnd(8)} streams c=${CONCURRENCY} ${format(streams)}   rows ${rows} of ${200 + 2 * REQUESTS + STREAMS}`);
  }
} finally {
  upstream.child.kill();
  rmSync(dir, { recursive: true, force: true });
}
