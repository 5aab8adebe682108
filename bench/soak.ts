/**
 * `npm run soak [-- --seconds 60 --clients 200]`: the bundled server on a SQLite file under 200
 * clients for a minute, with an upstream that misbehaves on 10% of the calls (resets, 429s, 500s,
 * stalls) and clients that walk away from 5% of their streams. Reports the proxy's RSS over time,
 * its open descriptors before and after, and whether every request left exactly one audit row;
 * writes the figures into bench/RESULTS.md ("Soak"). Exit code 1 when rows != requests or
 * descriptors leaked. Not part of `npm test`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { Agent, request } from 'undici';
import { memoryOf } from './lib/children.js';
import { writeResultsSection } from './lib/baseline.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, clients: { type: 'string', default: '200' } } });
const SECONDS = Number(values.seconds);
const CLIENTS = Number(values.clients);
const dir = mkdtempSync(join(tmpdir(), 'archestra-soak-'));
const db = join(dir, 'soak.db');

const COMPLETION = JSON.stringify({ id: 'chatcmpl-soak', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } });
const chunk = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ id: 'chatcmpl-soak', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const SOAK_START = '<!-- soak:start -->';
const SOAK_END = '<!-- soak:end -->';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const faults = { reset: 0, tooMany: 0, error: 0, stall: 0 };

/** The upstream: a chat completion (JSON or 10 events 20 ms apart); 10% of calls misbehave. */
async function upstream(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body = '';
  for await (const piece of req) body += piece;
  const roll = Math.random();
  if (roll < 0.03) {
    faults.reset++;
    res.socket?.destroy();
    return;
  }
  if (roll < 0.05) {
    faults.tooMany++;
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' }).end('{"error":{"message":"Rate limit reached","type":"requests"}}');
    return;
  }
  if (roll < 0.07) {
    faults.error++;
    res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"The server had an error","type":"server_error"}}');
    return;
  }
  if (roll < 0.1) {
    faults.stall++;
    await sleep(2_000);
  }
  if (!body.includes('"stream":true')) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(COMPLETION);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (let i = 0; i < 10 && !res.destroyed; i++) {
    res.write(chunk({ content: `piece ${i} ` }));
    await sleep(20);
  }
  if (!res.destroyed) res.end(`${chunk({}, 'stop')}data: [DONE]\n\n`);
}

function startProxy(upstreamUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const config = join(dir, 'soak.json');
  writeFileSync(config, JSON.stringify({ providers: { openai: { baseUrl: `${upstreamUrl}/v1`, apiKey: 'sk-soak-upstream-key' } }, upstream: { bodyTimeoutMs: 10_000 } }));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--db', db, '--config', config], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (piece: Buffer) => {
      output += piece.toString();
      const match = /http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) resolve({ child, url: `http://127.0.0.1:${match[1]}` });
    });
    child.once('exit', (code) => reject(new Error(`the proxy exited with ${code}:\n${output}`)));
  });
}

const descriptors = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

async function main(): Promise<void> {
  const server = createServer((req, res) => void upstream(req, res).catch(() => res.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const upstreamUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { child, url } = await startProxy(upstreamUrl);
  const pid = child.pid!;
  const agent = new Agent({ connections: CLIENTS });
  const counts = { requests: 0, ok: 0, upstreamErrors: 0, aborted: 0, failed: 0 };
  // A few calls first, so the audit file, its WAL and the writer thread are open before counting.
  for (let i = 0; i < 10; i++) {
    counts.requests++;
    const response = await request(`${url}/v1/openai/chat/completions`, { method: 'POST', dispatcher: agent, headers: { authorization: 'Bearer sk-soak-client-key', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }) });
    await response.body.text();
    if (response.statusCode === 200) counts.ok++;
    else counts.upstreamErrors++;
  }
  await sleep(7_000);
  const fdBefore = descriptors(pid);
  const samples: { second: number; rssMb: number; fds: number }[] = [];
  const started = Date.now();
  const sampler = setInterval(() => samples.push({ second: Math.round((Date.now() - started) / 1000), rssMb: memoryOf(pid).rss / 2 ** 20, fds: descriptors(pid) }), 5_000);

  async function client(): Promise<void> {
    while (Date.now() - started < SECONDS * 1000) {
      const stream = Math.random() < 0.5;
      const abort = stream && Math.random() < 0.05;
      const controller = new AbortController();
      counts.requests++;
      try {
        const response = await request(`${url}/v1/openai/chat/completions`, {
          method: 'POST',
          dispatcher: agent,
          signal: controller.signal,
          headers: { authorization: 'Bearer sk-soak-client-key', 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream }),
        });
        if (abort) {
          for await (const _ of response.body) break;
          controller.abort();
          counts.aborted++;
          continue;
        }
        await response.body.text();
        if (response.statusCode === 200) counts.ok++;
        else counts.upstreamErrors++;
      } catch {
        if (controller.signal.aborted) counts.aborted++;
        else counts.failed++;
      }
    }
  }
  await Promise.all(Array.from({ length: CLIENTS }, client));
  clearInterval(sampler);
  await agent.close();
  // Idle pooled upstream connections close with the upstream's keep-alive timeout (Node's: 5 s).
  await sleep(7_000);
  const fdAfter = descriptors(pid);
  const peakMb = memoryOf(pid).hwm / 2 ** 20;
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  server.close();
  const rows = (new Database(db, { readonly: true }).prepare('SELECT COUNT(*) AS n FROM interactions').get() as { n: number }).n;
  rmSync(dir, { recursive: true, force: true });

  const leaked = fdAfter > fdBefore + 2;
  const report = [
    `- ${CLIENTS} clients for ${SECONDS} s through the bundled server (SQLite file, \`audit.durability: 'commit'\`); upstream faults: ${faults.reset} resets, ${faults.tooMany} 429s, ${faults.error} 500s, ${faults.stall} 2 s stalls; ${counts.aborted} streams abandoned by their client`,
    `- requests ${counts.requests}: ${counts.ok} answered 200, ${counts.upstreamErrors} answered with an error status, ${counts.aborted} aborted, ${counts.failed} failed at the client`,
    `- audit rows ${rows} (${rows === counts.requests ? 'one per request' : `**${counts.requests - rows} missing**`}); shutdown exit code ${code}`,
    `- open descriptors: ${fdBefore} before, ${fdAfter} 7 s after the load${leaked ? ' (**leaked**)' : ''}; RSS peak ${peakMb.toFixed(1)} MB`,
    '',
    '| s | RSS MB | descriptors |',
    '|---|---|---|',
    ...samples.map((sample) => `| ${sample.second} | ${sample.rssMb.toFixed(1)} | ${sample.fds} |`),
  ].join('\n');
  console.log(report);
  const results = 'bench/RESULTS.md';
  if (!readFileSync(results, 'utf8').includes(SOAK_START)) appendFileSync(results, `\n## Soak (\`npm run soak\`)\n\n${SOAK_START}\n${SOAK_END}\n`);
  writeResultsSection(results, SOAK_START, SOAK_END, report);
  process.exit(rows === counts.requests && !leaked && code === 0 ? 0 : 1);
}

await main();
