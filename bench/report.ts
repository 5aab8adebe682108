/** Turns one run's measurements into bench/RESULTS.md (markdown). */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { CASE_IDS, CASE_LABELS, type CaseId, POLICIES_STATUS } from './cases.js';
import { type BlockResult, median, percentile } from './lib/load.js';
import type { WorkloadName } from './lib/workloads.js';
import type { RssResult } from './rss.js';
import type { ThroughputResult } from './throughput.js';

export interface RunSettings {
  quick: boolean;
  repeats: number;
  requests: number;
  streamRequests: number;
  concurrencies: readonly number[];
  autocannonSeconds: number;
}

export interface RunData {
  settings: RunSettings;
  /** Blocks by `${workload}|${c}|${case}`, one per repeat. */
  blocks: Map<string, BlockResult[]>;
  throughput: ThroughputResult[];
  rss: RssResult[];
  runSeconds: number;
  /** The first error the peer logged (its streams fail on Node 20). */
  peerLog?: string;
  /** Per phase of the run: name, seconds, share of the CPUs other processes used meanwhile. */
  phases: [string, number, number][];
  versions: Record<string, string>;
}

export const blockKey = (workload: WorkloadName, c: number, id: CaseId) => `${workload}|${c}|${id}`;

const us = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a');
const signed = (value: number) => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${us(value)}` : 'n/a');
const ratio = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}x` : 'n/a');
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const verdict = (ok: boolean | null) => (ok === null ? 'n/a' : ok ? '**pass**' : '**miss**');

interface Summary {
  p50: number;
  p99: number;
  reqPerSec: number;
  errors: number;
  requests: number;
  perRepeatP50: number[];
  chunkP50: number;
  firstError?: string;
}

function summarize(blocks: readonly BlockResult[] | undefined): Summary | null {
  if (!blocks || blocks.length === 0) return null;
  const latencies = blocks.flatMap((block) => block.latencyUs);
  const chunks = blocks.flatMap((block) => block.chunkDelayUs);
  const requests = blocks.reduce((sum, block) => sum + block.requests, 0);
  const okPerSec = blocks.map((block) => block.latencyUs.length / (block.elapsedMs / 1000));
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    reqPerSec: median(okPerSec),
    errors: blocks.reduce((sum, block) => sum + block.errors, 0),
    requests,
    perRepeatP50: blocks.map((block) => percentile(block.latencyUs, 50)),
    chunkP50: percentile(chunks, 50),
    ...(blocks.find((block) => block.firstError) ? { firstError: blocks.find((block) => block.firstError)!.firstError! } : {}),
  };
}

export function machine(): string {
  let model = cpus()[0]?.model ?? 'unknown CPU';
  try {
    model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    // not Linux
  }
  return `${model}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM`;
}

const RUNNERS = {
  compiled: 'proxy, compiled JS (like dist/cli.js)',
  tsx: 'proxy, through tsx (like npm start)',
  floor: 'floor: node:http in, undici.request out, no proxy (bench/floor-server.ts, compiled)',
} as const;

export function renderReport(data: RunData): string {
  const { settings, blocks } = data;
  const get = (workload: WorkloadName, c: number, id: CaseId) => summarize(blocks.get(blockKey(workload, c, id)));
  const lines: string[] = [];
  const push = (...more: string[]) => lines.push(...more);
  const repeats = (block: Summary | null, direct: Summary | null) =>
    block && direct ? block.perRepeatP50.map((p50, i) => signed(p50 - (direct.perRepeatP50[i] ?? Number.NaN))).join(' / ') : 'n/a';

  push(
    `# llm-proxy benchmark results${settings.quick ? ' (quick run)' : ''}`,
    '',
    `- Date: ${new Date().toISOString().replace('T', ' ').slice(0, 16)} UTC`,
    `- Machine: ${machine()}`,
    `- Node ${process.version}; ${Object.entries(data.versions).map(([name, version]) => `${name} ${version}`).join(', ')}`,
    `- Settings: ${settings.repeats} repeat(s); ${settings.requests} measured requests per non-streaming block, ${settings.streamRequests} per streaming block; concurrency ${settings.concurrencies.join(', ')}; autocannon ${settings.autocannonSeconds} s per target at 50 connections`,
    `- Run time: ${(data.runSeconds / 60).toFixed(1)} min (\`npm run bench${settings.quick ? ' -- --quick' : ''}\`): ${data.phases.map(([name, seconds]) => `${name} ${seconds.toFixed(0)} s`).join(', ')}`,
    `- Other processes on the machine during the run (share of all CPUs; noise the benchmark cannot remove): ${data.phases.map(([name, , foreign]) => `${name} ${(foreign * 100).toFixed(0)}%`).join(', ')}`,
    `- ${POLICIES_STATUS}`,
    '',
    'Every process (upstream, proxy, client, load generator) shares the same 2 cores, so proxied cases also pay for the',
    'CPU the proxy takes from the client and the upstream. Times are microseconds unless marked. "added" = case minus',
    'direct at the same percentile, same workload and concurrency (all repeats pooled); per-repeat p50 deltas show the noise.',
    '',
  );

  // Targets.
  const chat1 = get('chat', 1, 'in-process');
  const direct1 = get('chat', 1, 'direct');
  const added50 = chat1 && direct1 ? chat1.p50 - direct1.p50 : Number.NaN;
  const added99 = chat1 && direct1 ? chat1.p99 - direct1.p99 : Number.NaN;
  const tp = (target: string) => data.throughput.find((row) => row.target === target);
  const serverVsPeer = (tp('server')?.reqPerSec ?? Number.NaN) / (tp('peer')?.reqPerSec ?? Number.NaN);
  const ttft = (id: CaseId) => {
    const row = get('stream', 1, id);
    const direct = get('stream', 1, 'direct');
    return row && direct ? row.p50 - direct.p50 : Number.NaN;
  };
  const rssMain = data.rss.find((row) => row.runner === 'compiled' && row.upstreamConnections !== 'default (128)') ?? data.rss[0];
  const finite = (value: number, ok: (v: number) => boolean) => (Number.isFinite(value) ? ok(value) : null);
  push(
    '## Targets',
    '',
    '| target | measured | result |',
    '|---|---|---|',
    `| in-process added latency p50 < 100 us (chat, c=1) | ${signed(added50)} us | ${verdict(finite(added50, (v) => v < 100))} |`,
    `| in-process added latency p99 < 500 us (chat, c=1) | ${signed(added99)} us | ${verdict(finite(added99, (v) => v < 500))} |`,
    `| server throughput >= 1.5x the peer's (autocannon, c=50) | ${ratio(serverVsPeer)} | ${verdict(finite(serverVsPeer, (v) => v >= 1.5))} |`,
    `| streaming TTFT overhead < 1 ms, in-process (c=1, p50) | ${signed(ttft('in-process'))} us | ${verdict(finite(ttft('in-process'), (v) => v < 1000))} |`,
    `| streaming TTFT overhead < 1 ms, server (c=1, p50) | ${signed(ttft('server'))} us | ${verdict(finite(ttft('server'), (v) => v < 1000))} |`,
    `| < 100 MB RSS with 1,000 concurrent streams (server, compiled, peak) | ${rssMain ? `${mb(Math.max(rssMain.peakRss, rssMain.hwm))} (${rssMain.opened}/${rssMain.streams} open)` : 'n/a'} | ${verdict(rssMain ? rssMain.opened === rssMain.streams && Math.max(rssMain.peakRss, rssMain.hwm) < 100 * 2 ** 20 : null)} |`,
    '',
  );

  // Ratios.
  const c50 = (id: CaseId) => get('chat', 50, id)?.reqPerSec ?? Number.NaN;
  const p50c1 = (id: CaseId) => get('chat', 1, id)?.p50 ?? Number.NaN;
  push(
    '## Ratios',
    '',
    '| ratio | req/s, SDK chat c=50 | req/s, autocannon c=50 | p50 latency, SDK chat c=1 |',
    '|---|---|---|---|',
    `| in-process / direct | ${ratio(c50('in-process') / c50('direct'))} | - | ${ratio(p50c1('in-process') / p50c1('direct'))} |`,
    `| in-process / bare undici floor | ${ratio(c50('in-process') / c50('undici'))} | - | ${ratio(p50c1('in-process') / p50c1('undici'))} |`,
    `| server / direct | ${ratio(c50('server') / c50('direct'))} | ${ratio((tp('server')?.reqPerSec ?? Number.NaN) / (tp('direct')?.reqPerSec ?? Number.NaN))} | ${ratio(p50c1('server') / p50c1('direct'))} |`,
    `| express / direct | ${ratio(c50('express') / c50('direct'))} | ${ratio((tp('express')?.reqPerSec ?? Number.NaN) / (tp('direct')?.reqPerSec ?? Number.NaN))} | ${ratio(p50c1('express') / p50c1('direct'))} |`,
    `| server / peer | ${ratio(c50('server') / c50('peer'))} | ${ratio(serverVsPeer)} | ${ratio(p50c1('server') / p50c1('peer'))} |`,
    '',
  );

  for (const workload of ['chat', 'tools'] as const) {
    push(
      `## Latency, ${workload} workload (OpenAI SDK, closed loop${workload === 'tools' ? ', one function definition in the request, no tool call in the reply' : ', fixed JSON completion, no delay'})`,
      '',
      '| case | c | p50 | p99 | added p50 | added p99 | added p50 per repeat | vs undici floor p50 | req/s | errors |',
      '|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const c of settings.concurrencies) {
      const direct = get(workload, c, 'direct');
      const floor = get(workload, c, 'undici');
      for (const id of CASE_IDS) {
        const row = get(workload, c, id);
        if (!row) continue;
        const base = id === 'direct';
        push(
          `| ${CASE_LABELS[id]} | ${c} | ${us(row.p50)} | ${us(row.p99)} | ${base ? '-' : signed(row.p50 - direct!.p50)} | ${base ? '-' : signed(row.p99 - direct!.p99)} | ${base ? '-' : repeats(row, direct)} | ${id === 'undici' || !floor ? '-' : signed(row.p50 - floor.p50)} | ${row.reqPerSec.toFixed(0)} | ${row.errors}/${row.requests} |`,
        );
      }
    }
    push('');
  }

  push(
    '## Streaming (20 content events 10 ms apart; time to first content, and each later chunk\'s delay from the upstream\'s write to the SDK yielding it)',
    '',
    '| case | c | TTFT p50 | TTFT p99 | added TTFT p50 | added TTFT p99 | chunk delay p50 | per-chunk overhead (p50) | errors |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const c of settings.concurrencies) {
    const direct = get('stream', c, 'direct');
    for (const id of CASE_IDS) {
      const row = get('stream', c, id);
      if (!row) continue;
      const base = id === 'direct';
      const failed = row.errors === row.requests;
      push(
        failed
          ? `| ${CASE_LABELS[id]} | ${c} | fails | fails | - | - | - | - | ${row.errors}/${row.requests}: ${row.firstError ?? ''}${id === 'peer' && data.peerLog ? ` (Portkey logs \`${data.peerLog.slice(0, 80)}\`)` : ''} |`
          : `| ${CASE_LABELS[id]} | ${c} | ${us(row.p50)} | ${us(row.p99)} | ${base ? '-' : signed(row.p50 - direct!.p50)} | ${base ? '-' : signed(row.p99 - direct!.p99)} | ${us(row.chunkP50)} | ${base ? '-' : signed(row.chunkP50 - direct!.chunkP50)} | ${row.errors}/${row.requests} |`,
      );
    }
  }
  push('');

  push(
    '## Throughput at 50 connections (autocannon, POST the chat body)',
    '',
    '| target | req/s | x direct | x peer | p50 ms | p99 ms | non-2xx | errors | forwarding process CPU per request |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const row of data.throughput) {
    push(
      `| ${row.target === 'direct' ? 'direct (upstream itself)' : CASE_LABELS[row.target as CaseId]} | ${row.reqPerSec.toFixed(0)} | ${ratio(row.reqPerSec / (tp('direct')?.reqPerSec ?? Number.NaN))} | ${ratio(row.reqPerSec / (tp('peer')?.reqPerSec ?? Number.NaN))} | ${row.p50Ms} | ${row.p99Ms} | ${row.non2xx} | ${row.errors} | ${us(row.cpuUsPerRequest)} us${row.target === 'direct' ? ' (upstream)' : ''} |`,
    );
  }
  push('');

  push(
    '## Memory of the bundled server with concurrent open streams',
    '',
    '| server run as | upstream.connections | streams delivering their first event | time to open | RSS before | peak RSS (sampled) | VmHWM | per stream (peak - before) / 1,000 |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const row of data.rss) {
    const peak = Math.max(row.peakRss, row.hwm);
    push(
      `| ${RUNNERS[row.runner]} | ${row.runner === 'floor' ? '1024 (undici Agent)' : row.upstreamConnections} | ${row.opened}/${row.streams} | ${(row.openMs / 1000).toFixed(1)} s | ${mb(row.baselineRss)} | ${mb(row.peakRss)} | ${mb(row.hwm)} | ${((peak - row.baselineRss) / row.streams / 1024).toFixed(1)} KB |`,
    );
  }
  push(
    '',
    '## Reference: what Archestra publishes for its own proxy (same method; Node 24, Apple M5 Pro, PostgreSQL store)',
    '',
    'Added p50 7.2 ms at c=1, 25.6 ms at c=10, 118 ms at c=50; 135-413 req/s; streaming first content +17 ms at c=1.',
    'Not measured on this machine: compare shapes, not absolute numbers.',
    '',
  );
  return lines.join('\n');
}
