/**
 * Issue 14, items 1 and 3, through `createProxy`: in process, an answer comes back only once its
 * row is committed (another connection sees it at once, no flush), and is withheld when it cannot
 * be; the default store keeps a bounded window of rows; a file store's retention runs by itself;
 * the settings are validated.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, createMemoryStore, createProxy, createProxyFetch, createSqliteStore, type InteractionRecord, type ProxyConfig, type Store } from '../../src/index.js';
import { AUDIT_UNAVAILABLE } from '../../src/pipeline/audit-alerts.js';
import { AUDIT_FAILED } from '../../src/pipeline/record.js';
import { auditRows, chatBody, rawChat, rejection } from '../helpers/proxy.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

let up: ScriptedOpenAI;
let dir: string;

beforeAll(async () => {
  up = await startOpenAIUpstream();
  dir = mkdtempSync(join(tmpdir(), 'archestra-bounds-'));
});
afterAll(async () => {
  await up.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The rows another connection sees in the file now, by execution id. */
async function committedIds(path: string): Promise<string[]> {
  const reader = createSqliteStore(path);
  const rows = await reader.listInteractions({ limit: 1_000 });
  await reader.close();
  return rows.map((row) => row.executionId ?? '').sort();
}

function client(proxy: ReturnType<typeof createProxy>): OpenAI {
  return new OpenAI({ apiKey: 'sk-bounds', baseURL: up.baseUrl, maxRetries: 0, fetch: createProxyFetch(proxy) });
}

describe('audit.durability in process, on a file store', () => {
  it("commit (the default): when the SDK has the answer, JSON or the stream's end, its row is already in the file", async () => {
    const path = join(dir, 'commit.db');
    // A minute's flush interval: rows left to batching would not be in the file for a minute.
    const proxy = createProxy({ store: path, providers: { openai: { baseUrl: up.baseUrl } }, audit: { flushIntervalMs: 60_000 } });
    const openai = client(proxy);
    await openai.chat.completions.create(chatBody('json'), { headers: { 'X-Archestra-Execution-Id': 'json' } });
    expect(await committedIds(path)).toEqual(['json']);
    const stream = await openai.chat.completions.create({ ...chatBody('stream'), stream: true }, { headers: { 'X-Archestra-Execution-Id': 'stream' } });
    for await (const _chunk of stream) { /* to the end */ }
    expect(await committedIds(path)).toEqual(['json', 'stream']);
    const refused = await proxy.handle(rawChat(chatBody(), { 'x-archestra-execution-id': 'bad id!' }));
    expect(refused.status).toBe(400);
    expect((await auditRows(proxy)).map((row) => row.status)).toEqual([200, 200, 400]);
    await proxy.close();
  });

  it('batched: the answer does not wait, and the row comes with the next batch', async () => {
    const path = join(dir, 'batched.db');
    const proxy = createProxy({ store: path, providers: { openai: { baseUrl: up.baseUrl } }, audit: { durability: 'batched', flushIntervalMs: 60_000 } });
    await client(proxy).chat.completions.create(chatBody(), { headers: { 'X-Archestra-Execution-Id': 'later' } });
    expect(await committedIds(path)).toEqual([]);
    await proxy.flush();
    expect(await committedIds(path)).toEqual(['later']);
    await proxy.close();
  });
});

describe('a store that cannot commit: the answers are withheld (fail closed), never sent without their rows', () => {
  it('JSON: a 503 in the provider shape; then new requests are refused until a write succeeds; stream: an error event in place of its last events; the rows say so', async () => {
    const inner = createMemoryStore();
    let failing = true;
    /** Fails the write of the stream's terminal row (the upstream sends its whole stream at once). */
    let failStreamEnd = false;
    const store: Store = {
      ...inner,
      saveInteractions(rows) {
        if (failStreamEnd && rows.some((row) => row.executionId === 'stream' && row.outcome !== 'started')) failing = true;
        if (failing) throw new Error('disk I/O error');
        return inner.saveInteractions(rows);
      },
    };
    const proxy = createProxy({ store, providers: { openai: { baseUrl: up.baseUrl } } });
    const openai = client(proxy);
    const refused = await rejection(openai.chat.completions.create(chatBody(), { headers: { 'X-Archestra-Execution-Id': 'json' } }));
    expect(refused).toBeInstanceOf(OpenAI.InternalServerError);
    expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((refused as Error).message).toContain('audit trail could not be written');
    const forwarded = up.requests.length;

    // The store is failing: a new request is refused before it reaches the upstream.
    const unwritable = await proxy.handle(rawChat(chatBody(), { 'x-archestra-execution-id': 'refused' }));
    expect(unwritable.status).toBe(503);
    expect(unwritable.headers.get('retry-after')).toBe('1');
    expect(await unwritable.text()).toContain(AUDIT_UNAVAILABLE);
    expect(up.requests.length).toBe(forwarded);

    failing = false;
    await proxy.flush();
    failStreamEnd = true;
    const stream = await openai.chat.completions.create({ ...chatBody(), stream: true }, { headers: { 'X-Archestra-Execution-Id': 'stream' } });
    const streamed = await rejection((async () => {
      for await (const _chunk of stream) { /* until the error event */ }
    })());
    expect((streamed as Error).message).toContain('audit trail could not be written');

    failing = false;
    failStreamEnd = false;
    const rows = await auditRows(proxy);
    expect(rows.map((row) => [row.executionId, row.status, row.outcome, row.error])).toEqual([
      ['json', 503, 'rejected', AUDIT_FAILED],
      // Refused unread: no client header is trusted, its execution id included.
      [null, 503, 'rejected', AUDIT_UNAVAILABLE],
      ['stream', 200, 'rejected', AUDIT_FAILED],
    ]);
    await proxy.close();
  });
});

describe('the default store: a bounded window in memory', () => {
  const config = (audit: ProxyConfig['audit']): ProxyConfig => ({ providers: { openai: { baseUrl: up.baseUrl } }, audit });
  const call = async (proxy: ReturnType<typeof createProxy>, id: string, content = 'hi') => {
    await client(proxy).chat.completions.create(chatBody(content), { headers: { 'X-Archestra-Execution-Id': id } });
  };

  it('keeps exactly audit.memory.maxRows rows: the newest', async () => {
    const proxy = createProxy(config({ memory: { maxRows: 3 } }));
    for (const id of ['a', 'b', 'c']) await call(proxy, id);
    expect((await auditRows(proxy)).map((row) => row.executionId)).toEqual(['a', 'b', 'c']);
    for (const id of ['d', 'e']) await call(proxy, id);
    expect((await auditRows(proxy)).map((row) => row.executionId)).toEqual(['c', 'd', 'e']);
    await proxy.close();
  });

  it('keeps no more than audit.memory.maxBytes of rows, however large the prompts', async () => {
    const maxBytes = 200_000;
    const proxy = createProxy(config({ memory: { maxBytes } }));
    const prompt = 'p'.repeat(64 * 1024);
    for (let i = 0; i < 8; i++) await call(proxy, `big-${i}`, prompt);
    const rows = await auditRows(proxy);
    const bytes = rows.reduce((sum, row) => sum + size(row), 0);
    expect(bytes).toBeLessThanOrEqual(maxBytes);
    // As many of the newest as fit (the rows are all of one size): one more would not have.
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.map((row) => row.executionId)).toEqual(Array.from({ length: rows.length }, (_, i) => `big-${8 - rows.length + i}`));
    expect(bytes + size(rows[0]!)).toBeGreaterThan(maxBytes);
    await proxy.close();
  });
});

/** The documented size of a row: 512 plus the characters of its texts and of its decisions as JSON. */
function size(row: InteractionRecord): number {
  let bytes = 512;
  for (const value of Object.values(row)) if (typeof value === 'string') bytes += value.length;
  return bytes + (row.decisions ? JSON.stringify(row.decisions).length : 0);
}

describe('audit.retention on a file store through createProxy', () => {
  it('deletes what is beyond the limit in the background, without a call', async () => {
    const path = join(dir, 'retention.db');
    const filler = createProxy({ store: path, providers: { openai: { baseUrl: up.baseUrl } } });
    for (const id of ['a', 'b', 'c', 'd']) await client(filler).chat.completions.create(chatBody(), { headers: { 'X-Archestra-Execution-Id': id } });
    await filler.close();
    expect(await committedIds(path)).toEqual(['a', 'b', 'c', 'd']);

    const proxy = createProxy({ store: path, providers: { openai: { baseUrl: up.baseUrl } }, audit: { retention: { maxRows: 2, maxAgeDays: 30 } } });
    await expect.poll(() => committedIds(path), { interval: 20 }).toEqual(['c', 'd']);
    await proxy.close();
  });
});

describe('the audit settings are validated', () => {
  it.each([
    [{ durability: 'sometimes' }, 'audit.durability'],
    [{ retention: {} }, 'audit.retention'],
    [{ retention: { maxRows: 0 } }, 'audit.retention.maxRows'],
    [{ retention: { maxAgeDays: -1 } }, 'audit.retention.maxAgeDays'],
    [{ memory: { maxRows: 0 } }, 'audit.memory.maxRows'],
    [{ memory: { maxBytes: 1.5 } }, 'audit.memory.maxBytes'],
    [{ memory: { rows: 10 } }, 'audit.memory'],
    [{ onFailure: 'ignore' }, 'audit.onFailure'],
    [{ maxQueuedRows: 0 }, 'audit.maxQueuedRows'],
    [{ maxQueuedBytes: 1.5 }, 'audit.maxQueuedBytes'],
  ])('%j is refused, naming %s', (audit, field) => {
    let error: unknown;
    try {
      createProxy({ audit } as unknown as ProxyConfig);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(field);
  });
});
