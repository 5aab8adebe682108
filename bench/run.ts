/**
 * `npm run bench [-- --quick] [--out <file>] [--wait-idle <minutes>]`: the proxy's overhead, measured the way Archestra
 * measures its own (see bench/README.md). Starts the upstream, the bundled server, the Express app
 * and Portkey as child processes, runs the SDK cases in this process, then autocannon and the
 * memory test, writes the results (bench/RESULTS.md for a full run) and prints them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { type BenchCase, buildCases, startEnvironment } from './cases.js';
import { ROOT, foreignLoadMeter } from './lib/children.js';
import { type BlockResult, percentile, runBlock } from './lib/load.js';
import type { WorkloadName } from './lib/workloads.js';
import { blockKey, machine, renderReport, type RunSettings } from './report.js';
import { type RssResult, buildCompiled, runRss } from './rss.js';
import { runThroughput } from './throughput.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, out: { type: 'string' }, 'wait-idle': { type: 'string', default: '0' } } });
const quick = values.quick === true;
const settings: RunSettings = quick
  ? { quick, repeats: 1, requests: 200, streamRequests: 20, concurrencies: [1, 10, 50], autocannonSeconds: 2 }
  : { quick, repeats: 3, requests: 1000, streamRequests: 100, concurrencies: [1, 10, 50], autocannonSeconds: 5 };
const SOAK_START = '<!-- soak:start -->';
const SOAK_END = '<!-- soak:end -->';
const COLD_START = '<!-- cold:start -->';
const COLD_END = '<!-- cold:end -->';
const out = values.out ?? (quick ? join(tmpdir(), 'llm-proxy-bench-quick.md') : join(ROOT, 'bench/RESULTS.md'));
const WORKLOADS: readonly WorkloadName[] = ['chat', 'tools', 'stream'];
const RSS_STREAMS = 1000;

const log = (line: string) => process.stdout.write(`${line}\n`);
const version = (name: string) => (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

async function warmUp(benchCase: BenchCase, workload: WorkloadName, c: number): Promise<void> {
  // Keep-alive warm-up: open the connections this concurrency uses and let the JIT settle.
  const count = workload === 'stream' ? c : Math.max(20, 2 * c);
  await runBlock(benchCase.client, workload, count, c);
}

/** Waits (up to `minutes`) until other processes have used under 10% of the CPUs for 10 s in a row. */
async function waitForIdle(minutes: number): Promise<void> {
  const meter = foreignLoadMeter();
  const deadline = performance.now() + minutes * 60_000;
  let quietSeconds = 0;
  for (;;) {
    await sleep(2000);
    const load = meter();
    quietSeconds = load < 0.1 ? quietSeconds + 2 : 0;
    if (quietSeconds >= 10) return;
    if (performance.now() > deadline) {
      if (minutes > 0) log(`the machine did not go quiet within ${minutes} min; running anyway`);
      return;
    }
    log(`waiting for the machine to go quiet: other processes use ${(load * 100).toFixed(0)}% of the CPUs`);
  }
}

async function main(): Promise<void> {
  const idleMinutes = Number(values['wait-idle']);
  if (idleMinutes > 0) await waitForIdle(idleMinutes);
  const started = performance.now();
  const foreignLoad = foreignLoadMeter();
  log(`llm-proxy benchmark (${quick ? 'quick' : 'full'}): ${machine()}, Node ${process.version}`);
  const tmp = mkdtempSync(join(tmpdir(), 'llm-proxy-bench-'));
  const env = await startEnvironment(tmp);
  log(`upstream ${env.upstream.url}  server ${env.server.url}  express ${env.express.url}  peer ${env.peer.url}  (${((performance.now() - started) / 1000).toFixed(1)} s to start)`);
  const cases = await buildCases(env);
  const blocks = new Map<string, BlockResult[]>();
  const rss: RssResult[] = [];
  const phases: [string, number, number][] = [];
  let phaseStart = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    const foreign = foreignLoad();
    phases.push([name, (now - phaseStart) / 1000, foreign]);
    log(`(${name}: ${((now - phaseStart) / 1000).toFixed(0)} s; other processes used ${(foreign * 100).toFixed(0)}% of the CPUs)`);
    phaseStart = now;
  };
  phase('start');
  let throughput: Awaited<ReturnType<typeof runThroughput>> = [];
  let peerLog: string | undefined;
  try {
    // JIT and connection warm-up for every case before anything is measured.
    for (const benchCase of cases) await runBlock(benchCase.client, 'chat', quick ? 100 : 300, 10);
    phase('warm-up');

    for (let repeat = 0; repeat < settings.repeats; repeat++) {
      // Direct and proxied blocks alternate their order between repeats.
      const order = repeat % 2 === 0 ? cases : [...cases].reverse();
      for (const workload of WORKLOADS) {
        for (const c of settings.concurrencies) {
          const total = workload === 'stream' ? settings.streamRequests : settings.requests;
          const line: string[] = [];
          for (const benchCase of order) {
            await warmUp(benchCase, workload, c);
            const block = await runBlock(benchCase.client, workload, total, c);
            const key = blockKey(workload, c, benchCase.id);
            blocks.set(key, [...(blocks.get(key) ?? []), block]);
            const p50 = percentile(block.latencyUs, 50);
            line.push(`${benchCase.id} ${Number.isFinite(p50) ? Math.round(p50) : '-'}${block.errors ? ` (${block.errors} err)` : ''}`);
            if (block.errors && benchCase.id !== 'peer') log(`  ${benchCase.id}: ${block.errors} errors, first: ${block.firstError}`);
          }
          log(`[repeat ${repeat + 1}/${settings.repeats}] ${workload.padEnd(6)} c=${String(c).padEnd(2)} p50 us: ${line.join(', ')}`);
        }
        phase(`repeat ${repeat + 1} ${workload}`);
      }
    }

    log('throughput (autocannon, c=50):');
    throughput = await runThroughput(env, settings.autocannonSeconds, 50, log);

    phase('throughput');
    log(`memory with ${RSS_STREAMS} open streams (a fresh bundled server each):`);
    const [compiled, floor] = [await buildCompiled('src/cli/main.ts'), await buildCompiled('bench/floor-server.ts')];
    const variants: [number | null, string | undefined][] = [[1024, compiled], [1024, undefined], [null, compiled], [1024, floor]];
    for (const [connections, file] of variants) {
      const result = await runRss(tmp, env.baseUrl, RSS_STREAMS, connections, file, connections === null ? 5_000 : 30_000);
      rss.push(result);
      log(`  ${result.runner}, upstream.connections ${result.upstreamConnections}: ${result.opened}/${result.streams} open, peak RSS ${(Math.max(result.peakRss, result.hwm) / 2 ** 20).toFixed(1)} MB (before ${(result.baselineRss / 2 ** 20).toFixed(1)} MB)`);
    }
    phase('memory');
  } finally {
    peerLog = /(TypeError|Error): [^\n]+/.exec(env.peer.stderrTail())?.[0];
    for (const benchCase of cases) await benchCase.close().catch(() => {});
    await env.stop();
    rmSync(tmp, { recursive: true, force: true });
  }

  const report = renderReport({
    settings,
    blocks,
    throughput,
    rss,
    runSeconds: (performance.now() - started) / 1000,
    phases,
    ...(peerLog ? { peerLog } : {}),
    versions: { openai: version('openai'), undici: version('undici'), '@portkey-ai/gateway': version('@portkey-ai/gateway'), autocannon: version('autocannon') },
  });
  writeFileSync(out, `${report.trimEnd()}\n\n${carried(out, 'Cold calls (`npm run bench:cold`)', COLD_START, COLD_END, 'Not run yet: `npm run bench:cold`.')}\n${carried(out, 'Soak (`npm run soak`)', SOAK_START, SOAK_END, 'Not run yet: `npm run soak`.')}`);
  log(`\n${report}`);
  log(`written to ${out}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('benchmark failed:', error instanceof Error ? error.stack : error);
    process.exit(1);
  },
);

/** A section another script writes (`npm run soak`, `npm run bench:cold`) outlives a new benchmark run: it is carried over. */
function carried(file: string, title: string, start: string, end: string, missing: string): string {
  let previous = '';
  try {
    previous = readFileSync(file, 'utf8');
  } catch {
    // no earlier report
  }
  const from = previous.indexOf(start);
  const to = previous.indexOf(end);
  const body = from >= 0 && to > from ? previous.slice(from + start.length, to).trim() : missing;
  return `## ${title}\n\n${start}\n${body}\n${end}\n`;
}
