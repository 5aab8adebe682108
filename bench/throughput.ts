/**
 * Fixed-concurrency throughput of the HTTP ways in, with autocannon (its own child process): POST
 * the chat body at 50 connections to the upstream itself, the bundled server, the Express app and
 * Portkey, after a short warm-up. Also the proxy process's CPU time per request (/proc/<pid>/stat).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { type Environment, peerHeaders } from './cases.js';
import { ROOT, cpuMicros } from './lib/children.js';
import { API_KEY, CHAT_BODY } from './lib/workloads.js';

export const THROUGHPUT_TARGETS = ['direct', 'server', 'express', 'peer'] as const;
export type ThroughputTarget = (typeof THROUGHPUT_TARGETS)[number];

export interface ThroughputResult {
  target: ThroughputTarget;
  connections: number;
  durationS: number;
  /** 2xx answers per second over the measured run. */
  reqPerSec: number;
  /** autocannon's latency percentiles, milliseconds (whole ms). */
  p50Ms: number;
  p99Ms: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** CPU time of the process that did the forwarding (the upstream for `direct`), per 2xx answer. */
  cpuUsPerRequest: number;
}

interface AutocannonJson {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  latency: { p50: number; p99: number };
}

export function autocannon(url: string, headers: Record<string, string>, connections: number, durationS: number): Promise<AutocannonJson> {
  const args = [join(ROOT, 'node_modules/autocannon/autocannon.js'), '-j', '-n', '-c', String(connections), '-d', String(durationS), '-m', 'POST', '-b', JSON.stringify(CHAT_BODY)];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    proc.stderr.setEncoding('utf8').on('data', (text: string) => (err = (err + text).slice(-2000)));
    proc.once('exit', (code) => {
      try {
        resolve(JSON.parse(out) as AutocannonJson);
      } catch {
        reject(new Error(`autocannon failed (${code}): ${err}`));
      }
    });
  });
}

export async function runThroughput(env: Environment, durationS: number, connections = 50, log: (line: string) => void = () => {}): Promise<ThroughputResult[]> {
  const base = { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` };
  const targets: Record<ThroughputTarget, { url: string; headers: Record<string, string>; pid: number }> = {
    direct: { url: `${env.baseUrl}/chat/completions`, headers: base, pid: env.upstream.pid },
    server: { url: `${env.server.url}/v1/openai/chat/completions`, headers: base, pid: env.server.pid },
    express: { url: `${env.express.url}/v1/openai/chat/completions`, headers: base, pid: env.express.pid },
    peer: { url: `${env.peer.url}/v1/chat/completions`, headers: { ...base, ...peerHeaders(env) }, pid: env.peer.pid },
  };
  const results: ThroughputResult[] = [];
  for (const target of THROUGHPUT_TARGETS) {
    const { url, headers, pid } = targets[target];
    await autocannon(url, headers, connections, 1); // warm-up: connections, JIT
    const cpu0 = cpuMicros(pid);
    const run = await autocannon(url, headers, connections, durationS);
    const cpu = cpuMicros(pid) - cpu0;
    const ok = run['2xx'];
    const result: ThroughputResult = {
      target,
      connections,
      durationS: run.duration,
      reqPerSec: ok / run.duration,
      p50Ms: run.latency.p50,
      p99Ms: run.latency.p99,
      ok,
      non2xx: run.non2xx,
      errors: run.errors + run.timeouts,
      cpuUsPerRequest: ok > 0 ? cpu / ok : Number.NaN,
    };
    log(`  autocannon ${target.padEnd(8)} ${result.reqPerSec.toFixed(0).padStart(6)} req/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  non2xx ${result.non2xx}  errors ${result.errors}  cpu ${result.cpuUsPerRequest.toFixed(0)} us/req`);
    results.push(result);
  }
  return results;
}
