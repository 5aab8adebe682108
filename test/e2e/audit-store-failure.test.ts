/**
 * Checklist D4: the store cannot write. A real SQLite file locked by another connection
 * (SQLITE_BUSY) in process, and the bundled server whose file writes fail (a file-size limit set
 * on the running process with `prlimit`: the kernel refuses the writes, as with a full disk or a
 * quota). The configured policy holds (`audit.onFailure`), an alert is raised (metrics, one log
 * line without bodies or keys), the queue of waiting rows is bounded and its overflow counted,
 * and no row is lost silently.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createProxy, createProxyFetch, createSqliteStore, type Proxy } from '../../src/index.js';
import { AUDIT_UNAVAILABLE } from '../../src/pipeline/audit-alerts.js';
import { AUDIT_FAILED, AUDIT_FAILED_ERROR_TYPE } from '../../src/pipeline/record.js';
import { startCli } from '../helpers/cli-server.js';
import { sampleValue } from '../helpers/metrics.js';
import { chatBody, rejection } from '../helpers/proxy.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

const KEY = 'sk-proj-STORECANARY5e6f7a8b';
let up: ScriptedOpenAI;
let dir: string;
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(async () => {
  up = await startOpenAIUpstream();
  dir = mkdtempSync(join(tmpdir(), 'archestra-store-failure-'));
  trace.setGlobalTracerProvider(tracerProvider);
});
afterEach(() => {
  exporter.reset();
  vi.restoreAllMocks();
});
afterAll(async () => {
  trace.disable();
  await tracerProvider.shutdown();
  await up.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A file store whose writes give up after 50 ms on a lock, and a second connection that can hold one. */
function lockedFile(name: string, onFailure: 'refuse' | 'continue', maxQueuedRows?: number) {
  const path = join(dir, name);
  const proxy = createProxy({
    store: createSqliteStore(path, { busyTimeoutMs: 50 }),
    providers: { openai: { baseUrl: up.baseUrl } },
    audit: { onFailure, ...(maxQueuedRows ? { maxQueuedRows } : {}) },
  });
  const other = new Database(path);
  return {
    proxy,
    openai: new OpenAI({ apiKey: KEY, baseURL: up.baseUrl, maxRetries: 0, fetch: createProxyFetch(proxy) }),
    lock: () => other.exec('BEGIN EXCLUSIVE'),
    unlock: () => other.exec('COMMIT'),
    rows: () => other.prepare('SELECT execution_id AS id, status, outcome, error FROM interactions ORDER BY rowid').all(),
    close: async () => {
      other.close();
      await proxy.close();
    },
  };
}

const call = (openai: OpenAI, id: string) => openai.chat.completions.create(chatBody(), { headers: { 'X-Archestra-Execution-Id': id } });
const metric = async (proxy: Proxy, name: string, labels: Record<string, string> = {}) => sampleValue(await proxy.registry.metrics(), name, labels) ?? 0;

describe("SQLITE_BUSY (another connection holds the file's lock), in process", () => {
  it("onFailure 'refuse' (the default): the answer is withheld with a 503, new requests are refused unforwarded, the alert is raised once; once the lock goes, rows are written and requests served", async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const file = lockedFile('busy-refuse.db', 'refuse');
    await call(file.openai, 'before');
    file.lock();
    const withheld = await rejection(call(file.openai, 'withheld'));
    expect((withheld as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((withheld as Error).message).toContain(AUDIT_FAILED);
    const forwarded = up.requests.length;
    const refused = await rejection(call(file.openai, 'refused'));
    expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((refused as Error).message).toContain(AUDIT_UNAVAILABLE);
    expect(up.requests.length).toBe(forwarded);

    // The alert: counted, and one log line naming the store's error (no row, body or key).
    expect(await metric(file.proxy, 'archestra_audit_write_failures_total')).toBeGreaterThanOrEqual(1);
    expect(await metric(file.proxy, 'archestra_audit_withheld_answers_total', { provider: 'openai' })).toBe(1);
    expect(await metric(file.proxy, 'archestra_audit_queued_rows')).toBe(2);
    const logged = errors.mock.calls.map((args) => args.join(' '));
    expect(logged).toEqual([expect.stringContaining('audit rows cannot be written (database is locked)')]);
    expect(logged.join('\n')).not.toContain('STORECANARY');
    // The withheld answer's metrics and span say what the client got.
    const labels = { provider: 'openai', model: 'gpt-4o-mini', external_agent_id: '' };
    expect(await metric(file.proxy, 'llm_request_duration_seconds_count', { ...labels, status_code: '503' })).toBe(1);
    expect(await metric(file.proxy, 'llm_request_duration_seconds_count', { ...labels, status_code: '200' })).toBe(1);
    const span = exporter.getFinishedSpans().find((s) => s.attributes['http.response.status_code'] === 503 && s.attributes['error.type'] === AUDIT_FAILED_ERROR_TYPE);
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: AUDIT_FAILED });

    file.unlock();
    await file.proxy.flush();
    await call(file.openai, 'after');
    expect(errors.mock.calls.at(-1)?.join(' ')).toContain('audit rows are written again');
    expect(file.rows()).toEqual([
      { id: 'before', status: 200, outcome: 'ok', error: null },
      { id: 'withheld', status: 503, outcome: 'rejected', error: AUDIT_FAILED },
      { id: null, status: 503, outcome: 'rejected', error: AUDIT_UNAVAILABLE },
      { id: 'after', status: 200, outcome: 'ok', error: null },
    ]);
    await file.close();
  });

  it("onFailure 'continue': answers go out while their rows wait; past maxQueuedRows a row is dropped and counted; the kept rows are written once the lock goes", async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const file = lockedFile('busy-continue.db', 'continue', 2);
    file.lock();
    for (const id of ['a', 'b', 'c']) expect((await call(file.openai, id)).choices[0]?.message.content).toBeTruthy();
    expect(await metric(file.proxy, 'archestra_audit_write_failures_total')).toBeGreaterThanOrEqual(1);
    expect(await metric(file.proxy, 'archestra_audit_rows_dropped_total')).toBe(1);
    expect(await metric(file.proxy, 'archestra_audit_withheld_answers_total', { provider: 'openai' })).toBe(0);
    expect(errors.mock.calls.map((args) => args.join(' '))).toEqual([
      expect.stringContaining('audit rows cannot be written (database is locked)'),
      expect.stringContaining('the audit queue is full'),
    ]);
    file.unlock();
    await file.proxy.flush();
    expect(file.rows()).toEqual([
      { id: 'a', status: 200, outcome: 'ok', error: null },
      { id: 'b', status: 200, outcome: 'ok', error: null },
    ]);
    await file.close();
  });
});

describe('file writes refused by the kernel (the bundled server under a file-size limit)', () => {
  it('withheld, then refused, counted and logged; served again once writes succeed, every row in the file', async () => {
    const db = join(dir, 'fsize.db');
    const server = await startCli(['--port', '0', '--db', db], { ARCHESTRA_OPENAI_BASE_URL: up.baseUrl });
    const chat = (id: string) => fetch(`${server.url}/v1/openai/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'x-archestra-execution-id': id },
      body: JSON.stringify(chatBody()),
    });
    try {
      expect((await chat('before')).status).toBe(200);
      // From now on no file of the process may grow past its first byte: every write of a row fails.
      execFileSync('prlimit', ['--pid', String(server.child.pid), '--fsize=1:unlimited']);
      const withheld = await chat('withheld');
      expect(withheld.status).toBe(503);
      expect(await withheld.text()).toContain(AUDIT_FAILED);
      const refused = await chat('refused');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(sampleValue(metrics, 'archestra_audit_write_failures_total', {})).toBeGreaterThanOrEqual(1);
      expect(server.output()).toMatch(/audit rows cannot be written \(.+\)/);

      execFileSync('prlimit', ['--pid', String(server.child.pid), '--fsize=unlimited:unlimited']);
      // The retry comes within a second or so; until then requests are refused.
      let status = 503;
      for (let attempt = 0; status === 503 && attempt < 100; attempt++) {
        status = (await chat('after')).status;
        if (status === 503) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(status).toBe(200);
      expect(server.output()).toContain('audit rows are written again');
      expect(server.output()).not.toContain('STORECANARY');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    const file = new Database(db, { readonly: true });
    const rows = file.prepare("SELECT execution_id AS id, status, error FROM interactions WHERE outcome <> 'started' ORDER BY rowid").all() as { id: string | null; status: number; error: string | null }[];
    file.close();
    expect(rows[0]).toEqual({ id: 'before', status: 200, error: null });
    expect(rows[1]).toEqual({ id: 'withheld', status: 503, error: AUDIT_FAILED });
    expect(rows.at(-1)).toEqual({ id: 'after', status: 200, error: null });
    // Every answer the clients got has its row: the refusals between are all there.
    expect(rows.slice(2, -1).every((row) => row.id === null && row.status === 503 && row.error === AUDIT_UNAVAILABLE)).toBe(true);
    expect(rows.length).toBeGreaterThanOrEqual(4);
  });
});
