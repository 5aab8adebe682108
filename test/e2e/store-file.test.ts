import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxy, createProxyFetch, createSqliteStore } from '../../src/index.js';
import { chatBody, rejection } from '../helpers/proxy.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

let up: ScriptedOpenAI;
let dir: string;

beforeAll(async () => {
  up = await startOpenAIUpstream();
  dir = mkdtempSync(join(tmpdir(), 'archestra-store-'));
});
afterAll(async () => {
  await up.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a file-backed store', () => {
  it('keeps the rows across close and reopen, in WAL mode', async () => {
    const path = join(dir, 'a.db');
    const proxy = createProxy({ store: path, providers: { openai: { baseUrl: up.baseUrl } } });
    const client = new OpenAI({ apiKey: 'sk-file-store', maxRetries: 0, fetch: createProxyFetch(proxy, { agentId: 'file-bot', sessionId: 'file-session' }) });
    await client.chat.completions.create(chatBody('first'));
    for await (const _chunk of await client.chat.completions.create({ ...chatBody('second'), stream: true })) { /* drain */ }
    await rejection(client.chat.completions.create(chatBody(), { headers: { 'X-Archestra-Meta': 'bad' } }));

    // Written while the proxy runs: another connection sees the rows after a flush.
    await proxy.flush();
    const reader = createSqliteStore(path);
    expect(await reader.listInteractions()).toHaveLength(3);
    await reader.close();

    await proxy.close(); // no flush first: close() writes what is queued
    const reopened = createSqliteStore(path);
    const rows = (await reopened.listInteractions()).reverse();
    await reopened.close();
    expect(rows.map((r) => [r.agentId, r.sessionId, r.stream, r.status, r.outcome, r.inputTokens, r.outputTokens])).toEqual([
      ['file-bot', 'file-session', false, 200, 'ok', 12, 7],
      ['file-bot', 'file-session', true, 200, 'ok', 12, 7],
      [null, null, false, 400, 'rejected', null, null],
    ]);
    expect(JSON.parse(rows[0]!.requestBody!).messages[0].content).toBe('first');

    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('close() writes the rows queued since the last flush', async () => {
    const path = join(dir, 'b.db');
    const proxy = createProxy({ store: path, providers: { openai: { baseUrl: up.baseUrl } }, audit: { flushIntervalMs: 60_000 } });
    const response = await proxy.handle(new Request('http://proxy/openai/models', { headers: { authorization: 'Bearer sk-x' } }));
    expect(response.status).toBe(200);
    await response.text();
    await proxy.close();
    const store = createSqliteStore(path);
    const rows = await store.listInteractions();
    await store.close();
    expect(rows.map((r) => [r.operation, r.status])).toEqual([['models', 200]]);
  });
});
