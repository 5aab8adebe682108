/**
 * `npx tsx bench/stream-ab.ts [--rounds 8] [--requests 40] [--rss 3] label=dir|entry.ts ...`: an A/B
 * of the bundled server's streaming overhead, for comparing versions of the source on a noisy
 * machine. Each `label=dir` is a checkout (e.g. `base=/tmp/base` from `git archive HEAD`, and
 * `new=.`) whose src/cli/main.ts is compiled like dist/cli.js; `label=bench/floor-server.ts` serves
 * the no-proxy forwarder instead. All run against one upstream. Rounds alternate the order of the
 * variants, so none always runs first; each round's TTFT p50 (c=1) is taken against direct's in the
 * same round, and the median over rounds is reported. With --rss N, N alternating runs of the
 * 1,000-open-streams memory test follow. Not part of `npm run bench`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import OpenAI from 'openai';
import { startBundledServer, startUpstream } from './cases.js';
import { type Child, ROOT } from './lib/children.js';
import { median, percentile, runBlock } from './lib/load.js';
import { API_KEY } from './lib/workloads.js';
import { runRss } from './rss.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '8' }, requests: { type: 'string', default: '40' }, rss: { type: 'string', default: '0' } },
});

async function compile(label: string, dir: string): Promise<string> {
  // Under this repository's node_modules, so the external dependencies resolve.
  const outfile = join(ROOT, 'node_modules/.cache/llm-proxy-bench', `ab-${label}.mjs`);
  // A .ts path is an entry of its own (e.g. bench/floor-server.ts, the no-proxy forwarder).
  const entry = dir.endsWith('.ts') ? resolve(dir) : join(resolve(dir), 'src/cli/main.ts');
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile, logLevel: 'error' });
  return outfile;
}

const sdk = (baseURL: string) => new OpenAI({ apiKey: API_KEY, baseURL, maxRetries: 0, timeout: 60_000 });
const fmt = (us: number) => `${Math.round(us)}`.padStart(6);

async function main(): Promise<void> {
  const variants = positionals.map((arg) => {
    const [label, dir] = arg.split('=');
    if (!label || !dir) throw new Error(`expected label=dir, got ${arg}`);
    return { label, dir };
  });
  const tmp = mkdtempSync(join(tmpdir(), 'llm-proxy-ab-'));
  const upstream = await startUpstream();
  const base = `${upstream.url}/v1`;
  const servers: Child[] = [];
  try {
    const compiled = await Promise.all(variants.map((variant) => compile(variant.label, variant.dir)));
    for (const [i, variant] of variants.entries()) servers.push(await startBundledServer(base, join(tmp, `${variant.label}.db`), { compiled: compiled[i]! }));
    const clients = [{ label: 'direct', client: sdk(base) }, ...variants.map((variant, i) => ({ label: variant.label, client: sdk(`${servers[i]!.url}/v1/openai`) }))];
    const requests = Number(values.requests);
    const rounds = Number(values.rounds);
    const p50s = new Map<string, number[]>(clients.map((c) => [c.label, []]));
    const chunk = new Map<string, number[]>(clients.map((c) => [c.label, []]));
    for (const c of clients) await runBlock(c.client, 'stream', 10, 1);
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? clients : [...clients].reverse();
      for (const c of order) {
        await runBlock(c.client, 'stream', 3, 1);
        const block = await runBlock(c.client, 'stream', requests, 1);
        if (block.errors) throw new Error(`${c.label}: ${block.firstError}`);
        p50s.get(c.label)!.push(percentile(block.latencyUs, 50));
        chunk.get(c.label)!.push(percentile(block.chunkDelayUs, 50));
      }
      process.stdout.write(`round ${round + 1}: ${clients.map((c) => `${c.label} ${Math.round(p50s.get(c.label)!.at(-1)!)}`).join('  ')}\n`);
    }
    const direct = p50s.get('direct')!;
    process.stdout.write('\nTTFT p50 per round (us), c=1; added = variant - direct in the same round\n');
    for (const c of clients) {
      const mine = p50s.get(c.label)!;
      const added = mine.map((value, i) => value - direct[i]!);
      process.stdout.write(`${c.label.padEnd(10)} median ${fmt(median(mine))}  added median ${fmt(median(added))}  added min ${fmt(Math.min(...added))} max ${fmt(Math.max(...added))}  chunk delay p50 ${fmt(median(chunk.get(c.label)!))}\n`);
    }
    for (const server of servers) await server.stop();
    servers.length = 0;
    const rssRuns = Number(values.rss);
    for (let run = 0; run < rssRuns; run++) {
      const order = run % 2 === 0 ? variants.map((v, i) => [v, compiled[i]!] as const) : variants.map((v, i) => [v, compiled[i]!] as const).reverse();
      for (const [variant, file] of order) {
        const result = await runRss(tmp, base, 1000, 1024, file);
        const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
        process.stdout.write(`rss ${variant.label.padEnd(10)} opened ${result.opened}  before ${mb(result.baselineRss)} MB  peak ${mb(result.peakRss)} MB  hwm ${mb(result.hwm)} MB  per stream ${((result.peakRss - result.baselineRss) / 1000 / 1024).toFixed(1)} KB\n`);
      }
    }
  } finally {
    for (const server of servers) await server.stop();
    await upstream.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
