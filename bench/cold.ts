/**
 * `npm run bench:cold [-- --calls 30 --gap-ms 1000]`: what a call costs when the proxy's code is
 * not in the CPU's caches, as for a real agent that calls seconds apart. Before each call the
 * caches are flushed by writing a 64 MB buffer and the process idles `gap-ms`; calls alternate
 * direct (the openai SDK straight to the upstream) and in-process (the same SDK through
 * `createProxyFetch`, default policies, with the in-memory store and with a SQLite file and its
 * durable commit), so all see the same machine. Then the same number of calls back to back (hot), for comparison. Writes the figures
 * into bench/RESULTS.md ("Cold calls"), which `npm run bench` carries over. Not part of `npm test`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import OpenAI from 'openai';
import { createProxy, createProxyFetch } from '../src/index.js';
import { writeResultsSection } from './lib/baseline.js';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '30' }, 'gap-ms': { type: 'string', default: '1000' } } });
const CALLS = Number(values.calls);
const GAP_MS = Number(values['gap-ms']);
const START = '<!-- cold:start -->';
const END = '<!-- cold:end -->';

const COMPLETION = JSON.stringify({ id: 'chatcmpl-cold', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } });
const upstream = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(COMPLETION));
});
await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
const baseURL = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;

const dir = mkdtempSync(join(tmpdir(), 'archestra-cold-'));
const proxy = createProxy({ providers: { openai: { baseUrl: baseURL } }, store: join(dir, 'cold.db') });
const inMemory = createProxy({ providers: { openai: { baseUrl: baseURL } } });
const direct = new OpenAI({ apiKey: 'sk-bench', baseURL, maxRetries: 0 });
const proxied = new OpenAI({ apiKey: 'sk-bench', fetch: createProxyFetch(proxy), maxRetries: 0 });
const memory = new OpenAI({ apiKey: 'sk-bench', fetch: createProxyFetch(inMemory), maxRetries: 0 });
const CLIENTS = { direct, memory, proxied } as const;
type Which = keyof typeof CLIENTS;
const body = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Say ok.' }] };

/** Evicts the CPU caches (and lets the event loop idle) the way other work between two agent calls does. */
const flush = Buffer.alloc(64 * 1024 * 1024);
async function goCold(): Promise<void> {
  for (let at = 0; at < flush.length; at += 64) flush[at] = (flush[at]! + 1) & 0xff;
  await new Promise((resolve) => setTimeout(resolve, GAP_MS));
}

async function timed(client: OpenAI): Promise<number> {
  const started = performance.now();
  await client.chat.completions.create(body);
  return (performance.now() - started) * 1000;
}

// Warm-up: JIT, connection pools, the price table; then the measured calls, the order rotating.
for (let i = 0; i < 50; i++) for (const client of Object.values(CLIENTS)) await timed(client);
const ORDERS: Which[][] = [['direct', 'memory', 'proxied'], ['memory', 'proxied', 'direct'], ['proxied', 'direct', 'memory']];
const samples = () => ({ direct: [] as number[], memory: [] as number[], proxied: [] as number[] });
const cold = samples();
const hot = samples();
for (let i = 0; i < CALLS; i++) {
  for (const which of ORDERS[i % 3]!) {
    await goCold();
    cold[which].push(await timed(CLIENTS[which]));
  }
}
for (let i = 0; i < CALLS; i++) for (const which of ORDERS[i % 3]!) hot[which].push(await timed(CLIENTS[which]));

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;
const us = (n: number) => Math.round(n).toLocaleString('en-US');
const added = (set: Record<Which, number[]>, which: Which) => `+${us(quantile(set[which], 0.5) - quantile(set.direct, 0.5))}`;
const row = (name: string, set: Record<Which, number[]>) =>
  `| ${name} | ${us(quantile(set.direct, 0.5))} | ${us(quantile(set.memory, 0.5))} (${added(set, 'memory')}) | ${us(quantile(set.proxied, 0.5))} (${added(set, 'proxied')}) | ${us(quantile(set.direct, 0.9))} | ${us(quantile(set.memory, 0.9))} | ${us(quantile(set.proxied, 0.9))} |`;
const report = [
  `${CALLS} calls each way; cold: a 64 MB cache flush and ${GAP_MS} ms idle before each call, the three kinds taking turns. Times in microseconds, the openai SDK's whole call; in-process through \`createProxyFetch\` with the default in-memory store, and with a SQLite file (each answer waits for its row's fsync).`,
  '',
  '| calls | direct p50 | in-process, memory p50 (added) | in-process, SQLite file p50 (added) | direct p90 | memory p90 | SQLite p90 |',
  '|---|---|---|---|---|---|---|',
  row('cold', cold),
  row('hot (back to back)', hot),
].join('\n');
process.stdout.write(`${report}\n`);
writeResultsSection(join(import.meta.dirname, 'RESULTS.md'), START, END, report);
await proxy.close();
await inMemory.close();
upstream.close();
rmSync(dir, { recursive: true, force: true });
