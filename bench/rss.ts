/**
 * Memory of the bundled server holding 1,000 concurrent open streams. A fresh server child (so its
 * peak is not from earlier load) gets a short warm-up, then 1,000 streamed requests the upstream
 * answers with one event and holds open. Once every stream has delivered its first event, the
 * server's VmRSS is sampled for a second; VmHWM (peak) is read at the end.
 */
import { BENCH_POLICIES } from './policies.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { build } from 'esbuild';
import { Agent, request } from 'undici';
import { startBundledServer } from './cases.js';
import { ROOT, memoryOf } from './lib/children.js';
import { API_KEY, CHAT_BODY, HOLD_MODEL, STREAM_BODY } from './lib/workloads.js';

/**
 * Bundles src/cli/main.ts to one plain-JavaScript file (dependencies stay external), what the
 * published dist/cli.js is, so the server runs without tsx (whose loader thread alone adds about
 * 45 MB of RSS). Written under node_modules/.cache so the dependencies resolve.
 */
export async function buildCompiled(entry: 'src/cli/main.ts' | 'bench/floor-server.ts'): Promise<string> {
  const outfile = join(ROOT, 'node_modules/.cache/llm-proxy-bench', entry.replace(/\//g, '-').replace(/\.ts$/, '.mjs'));
  await build({ entryPoints: [join(ROOT, entry)], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile, logLevel: 'error' });
  return outfile;
}

export interface RssResult {
  /** How the server ran: compiled JavaScript, TypeScript through tsx, or the no-proxy floor (bench/floor-server.ts, compiled). */
  runner: 'compiled' | 'tsx' | 'floor';
  streams: number;
  /** How many delivered their first event. */
  opened: number;
  /** `upstream.connections` the server ran with (the default is 128). */
  upstreamConnections: number | 'default (128)';
  baselineRss: number;
  peakRss: number;
  hwm: number;
  openMs: number;
}

export async function runRss(tmp: string, upstreamBase: string, streams: number, upstreamConnections: number | null, compiled: string | undefined, waitMs = 30_000): Promise<RssResult> {
  const runner = compiled === undefined ? 'tsx' : compiled.endsWith('floor-server.mjs') ? 'floor' : 'compiled';
  let config: string | undefined;
  if (upstreamConnections !== null) {
    config = join(tmp, `rss-${upstreamConnections}.json`);
    writeFileSync(config, JSON.stringify({ upstream: { connections: upstreamConnections }, policies: BENCH_POLICIES }));
  }
  const server = await startBundledServer(upstreamBase, join(tmp, `rss-${runner}-${upstreamConnections ?? 'default'}.db`), { ...(config ? { config } : {}), ...(compiled ? { compiled } : {}) });
  const agent = new Agent({ connections: streams + 10, headersTimeout: 0, bodyTimeout: 0 });
  const url = `${server.url}/v1/openai/chat/completions`;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` };
  const bodies: { destroy(): unknown }[] = [];
  const controllers: AbortController[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      const response = await request(url, { method: 'POST', headers, body: JSON.stringify(CHAT_BODY), dispatcher: agent });
      await response.body.text();
    }
    await sleep(300);
    const baselineRss = memoryOf(server.pid).rss;
    let peakRss = baselineRss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, memoryOf(server.pid).rss);
    }, 20);
    const holdBody = JSON.stringify({ ...STREAM_BODY, model: HOLD_MODEL });
    let opened = 0;
    const t0 = performance.now();
    const openOne = async () => {
      const controller = new AbortController();
      controllers.push(controller);
      const response = await request(url, { method: 'POST', headers, body: holdBody, dispatcher: agent, signal: controller.signal });
      const body = response.body;
      bodies.push(body);
      // Wait for the first event, then pause: the stream stays open (breaking out of `for await` would destroy it).
      await new Promise<void>((resolve, reject) => {
        let seen = '';
        const onData = (chunk: Buffer) => {
          seen += chunk.toString('utf8');
          if (!seen.includes('tok0')) return;
          body.off('data', onData);
          body.pause();
          resolve();
        };
        body.on('data', onData);
        body.once('error', reject);
        body.once('end', () => reject(new Error('stream ended')));
      });
      opened++;
    };
    const first = Array.from({ length: streams }, () =>
      openOne().catch(() => {
        /* counted as not opened */
      }),
    );
    await Promise.race([Promise.all(first), sleep(waitMs)]);
    const openMs = performance.now() - t0;
    await sleep(1000);
    clearInterval(sampler);
    const { rss, hwm } = memoryOf(server.pid);
    peakRss = Math.max(peakRss, rss);
    return { runner, streams, opened, upstreamConnections: upstreamConnections ?? 'default (128)', baselineRss, peakRss, hwm, openMs };
  } finally {
    for (const controller of controllers) controller.abort();
    for (const body of bodies) body.destroy();
    await agent.destroy().catch(() => {});
    await server.stop();
  }
}
