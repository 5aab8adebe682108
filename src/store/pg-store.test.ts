/**
 * The PostgreSQL store on a real server (test/setup/postgres.ts): the audit rows' upsert in
 * batches, keys, taint and read-back contexts, migrations when several hosts start at once, and
 * retention. The counters and approvals are in the shared contract suites (*-counters.test.ts,
 * approvals.test.ts, usage-summary.test.ts).
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresStores } from '../../test/helpers/postgres.js';
import type { AnswerContextRecord, InteractionRecord, VirtualKeyRecord } from '../types.js';
import { PG_MIGRATIONS } from './pg-migrations.js';
import { createPgStore } from './pg-store.js';

const postgres = await postgresStores('pg_store', 12);

let serial = 0;
function row(id: string, outcome: InteractionRecord['outcome'], status: number, fields: Partial<InteractionRecord> = {}): InteractionRecord {
  return {
    id, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, serial++)).toISOString(), proxyId: 'default', provider: 'openai', operation: 'chat', model: 'm', responseModel: null,
    agentId: null, userId: null, sessionId: null, executionId: id, status, outcome, error: null,
    stream: true, durationMs: 1.5, timeToFirstTokenMs: null, inputTokens: null, outputTokens: null,
    requestBody: null, responseBody: null, authMethod: null, virtualKeyId: null, decisions: null, ...fields,
  };
}

const key = (id: string, fields: Partial<VirtualKeyRecord> = {}): VirtualKeyRecord => ({
  id, name: `key ${id}`, keyHash: `hash-${id}`, keyPrefix: 'arch_', providers: ['openai'], proxyIds: null, sealedSecrets: 'sealed',
  createdAt: `2026-01-01T00:00:0${id.length}.000Z`, expiresAt: null, revokedAt: null, budgets: [{ usd: 5, window: 'month' }], ...fields,
});

describe('the PostgreSQL store', () => {
  it('a terminal row replaces its started row; a started row never replaces a terminal one; repeats and duplicates in one batch change nothing', async () => {
    const store = postgres.open();
    expect(store.takesStartedRows).toBe(true);
    await store.saveInteractions([row('a', 'started', 0), row('b', 'started', 0)]);
    await store.saveInteractions([row('a', 'ok', 200)]);
    // One batch holding a row's started and terminal rows, in both orders, and a late started row.
    await store.saveInteractions([row('a', 'started', 0), row('a', 'upstream_error', 502), row('c', 'started', 0), row('c', 'ok', 200), row('d', 'ok', 200), row('d', 'started', 0)]);
    const rows = await store.listInteractions();
    expect(rows.map((r) => [r.id, r.outcome, r.status]).sort()).toEqual([['a', 'ok', 200], ['b', 'started', 0], ['c', 'ok', 200], ['d', 'ok', 200]]);
  });

  it('keeps every field of a row as it was given (numbers as numbers, JSON as JSON)', async () => {
    const store = postgres.open();
    const context: AnswerContextRecord = { verdict: { tainted: true, results: [], trustedTexts: [], untrustedTexts: [{ text: 'outside', source: 'fetch' }] } as unknown as AnswerContextRecord['verdict'], hasTools: true, refused: [] };
    const full = row('full', 'ok', 200, {
      agentId: 'agent', userId: 'user', sessionId: 'session', responseModel: 'm-1', error: null, timeToFirstTokenMs: 12.25,
      inputTokens: 100, outputTokens: 20, cacheReadTokens: 5, cacheWriteTokens: 6, reasoningTokens: 7, costUsd: 0.0123,
      requestBody: '{"a":1}', responseBody: '{"b":2}', authMethod: 'virtual_key', virtualKeyId: 'vk_1', upstreamAttempts: 2,
      requestedModel: 'm-big', compressedTokensSaved: 42, attemptOf: 'first',
      decisions: [{ rule: 'r', action: 'allow', reason: 'why' }] as unknown as InteractionRecord['decisions'], answerId: 'resp_1', answerContext: context,
    });
    await store.saveInteractions([full]);
    expect(await store.listInteractions()).toEqual([full]);
  });

  it('writes a batch larger than one statement takes, in one transaction', async () => {
    const store = postgres.open();
    await store.saveInteractions(Array.from({ length: 2_500 }, (_, n) => row(`bulk-${n}`, 'ok', 200)));
    expect(await store.listInteractions({ limit: 10_000 })).toHaveLength(2_500);
  });

  it('lists newest first, filtered by agent, session and proxy, and limited', async () => {
    const store = postgres.open();
    await store.saveInteractions([
      row('1', 'ok', 200, { agentId: 'x', sessionId: 's1' }),
      row('2', 'ok', 200, { agentId: 'y', sessionId: 's1', proxyId: 'other' }),
      row('3', 'ok', 200, { agentId: 'x', sessionId: 's2' }),
    ]);
    expect((await store.listInteractions()).map((r) => r.id)).toEqual(['3', '2', '1']);
    expect((await store.listInteractions({ agentId: 'x' })).map((r) => r.id)).toEqual(['3', '1']);
    expect((await store.listInteractions({ sessionId: 's1' })).map((r) => r.id)).toEqual(['2', '1']);
    expect((await store.listInteractions({ proxyId: 'other' })).map((r) => r.id)).toEqual(['2']);
    expect((await store.listInteractions({ limit: 1 })).map((r) => r.id)).toEqual(['3']);
  });

  it('keeps virtual keys (revoked once, never un-revoked), taint, and read-back contexts, seen by a second store on the database', async () => {
    const [one, two] = postgres.pair();
    await one.saveVirtualKey(key('k1'));
    await one.saveVirtualKey(key('k22', { providers: null, budgets: null }));
    expect(await two.findVirtualKeyByHash('hash-k1')).toEqual(key('k1'));
    expect(await two.findVirtualKeyByHash('nope')).toBeUndefined();
    expect((await two.listVirtualKeys()).map((k) => k.id)).toEqual(['k22', 'k1']);
    expect(await two.revokeVirtualKey('k1', '2026-02-01T00:00:00.000Z')).toBe(true);
    expect(await one.revokeVirtualKey('k1', '2026-03-01T00:00:00.000Z')).toBe(true);
    expect(await one.revokeVirtualKey('missing', '2026-03-01T00:00:00.000Z')).toBe(false);
    expect((await one.findVirtualKeyByHash('hash-k1'))?.revokedAt).toBe('2026-02-01T00:00:00.000Z');

    expect(await two.isSessionTainted!('default', 's')).toBe(false);
    await one.markSessionTainted!('default', 's', 'untrusted result of "fetch"');
    await one.markSessionTainted!('default', 's', 'again');
    expect(await two.isSessionTainted!('default', 's')).toBe(true);
    expect(await two.isSessionTainted!('other', 's')).toBe(false);

    const context: AnswerContextRecord = { verdict: { tainted: false, results: [], trustedTexts: [], untrustedTexts: [] } as unknown as AnswerContextRecord['verdict'], hasTools: true, refused: [{ id: 'c1', name: 'send' }] as unknown as AnswerContextRecord['refused'] };
    await one.saveInteractions([row('with-answer', 'ok', 200, { answerId: 'resp_9', answerContext: context })]);
    expect(await two.findAnswerContext!('default', 'resp_9')).toEqual(context);
    expect(await two.findAnswerContext!('other', 'resp_9')).toBeUndefined();
  });

  it('NUL characters (the counters\' key separator, or a client\'s body) never make a write fail; keys holding them stay apart', async () => {
    const store = postgres.open();
    await store.saveInteractions([row('nul', 'rejected', 400, { requestBody: 'bad\u0000body', sessionId: 's\u0000' })]);
    expect((await store.listInteractions())[0]?.requestBody).toBe('bad\uFFFDbody');
    await store.markSessionTainted('default', 'a\u0000b', 'x');
    expect(await store.isSessionTainted('default', 'a\u0000b')).toBe(true);
    expect(await store.isSessionTainted('default', 'a\\0b')).toBe(false);
    const bucket = (key: string) => ({ key, limit: 1, windowMs: 60_000, cost: 1 });
    const admit = (key: string) => store.rateCounters.admit({ now: 0, buckets: [bucket(key)], holds: [], holdId: key, owner: 'o', holdUntil: 1 });
    expect(await admit('p\u0000rpm')).toEqual({ admitted: true });
    expect(await admit('p\\0rpm')).toEqual({ admitted: true });
    expect(await admit('p\u0000rpm')).toMatchObject({ admitted: false });
    const counter = { key: 'p\u0000tokens', limit: 10, from: 0, slot: 0, amount: 4 };
    expect(await store.budgetCounters.reserve({ now: 0, counters: [counter], id: 'r', owner: 'o', until: 1 })).toEqual({ reserved: true });
    await store.budgetCounters.settle('r', [{ key: counter.key, slot: 0, amount: 3 }]);
    expect(await store.budgetCounters.spentSince(counter.key, 0)).toEqual([{ slot: 0, amount: 3 }]);
  });

  it('hosts starting at once on an empty database migrate it once', async () => {
    // A schema no store has opened yet.
    const url = postgres.urlOf(11);
    const stores = Array.from({ length: 5 }, () => createPgStore(url));
    await Promise.all(stores.map((store) => store.ready));
    const client = new pg.Client(url);
    await client.connect();
    const { rows } = await client.query('SELECT version FROM archestra_migrations ORDER BY version');
    await client.end();
    expect(rows.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((_, n) => n + 1));
    await Promise.all(stores.map((store) => store.close()));
  });

  it('refuses a database whose schema is newer than it knows, and says so', async () => {
    const store = postgres.open();
    await store.ready;
    const schema = postgres.urlOf(postgres.urlCount - 1);
    const client = new pg.Client(schema);
    await client.connect();
    await client.query('INSERT INTO archestra_migrations (version, applied_at) VALUES (99, $1)', [new Date().toISOString()]);
    await client.end();
    const newer = createPgStore(schema);
    await expect(newer.ready).rejects.toThrow(/newer than this proxy's/);
    await expect(newer.listInteractions()).rejects.toThrow(/newer than this proxy's/);
    await newer.close();
  });

  it('retention: keeps the newest maxRows rows; deletes rows older than maxAgeDays', async () => {
    const [store] = postgres.pair();
    await store.saveInteractions(Array.from({ length: 8 }, (_, n) => row(`r${n}`, 'ok', 200)));
    // Sequence gaps (a conflicting insert uses a number) must not make it keep fewer.
    await store.saveInteractions([row('r7', 'ok', 200)]);
    const rows = createPgStore(postgres.urlOf(postgres.urlCount - 1), { retention: { maxRows: 5 } });
    expect(await rows.applyRetention()).toBe(3);
    expect((await rows.listInteractions()).map((r) => r.id)).toEqual(['r7', 'r6', 'r5', 'r4', 'r3']);
    await rows.close();

    const aged = postgres.open();
    const now = Date.now();
    await aged.saveInteractions([row('old', 'ok', 200, { createdAt: new Date(now - 3 * 86_400_000).toISOString() }), row('new', 'ok', 200, { createdAt: new Date(now - 86_400_000).toISOString() })]);
    const pruner = createPgStore(postgres.urlOf(postgres.urlCount - 1), { retention: { maxAgeDays: 2 } });
    expect(await pruner.applyRetention()).toBe(1);
    expect((await pruner.listInteractions()).map((r) => r.id)).toEqual(['new']);
    await pruner.close();
  });

  it('a pool size that is not a whole number of connections is refused; an unreachable database fails queries, never hangs them', async () => {
    expect(() => createPgStore(`${postgres.url}?pool_size=0`)).toThrow(/pool_size/);
    const down = createPgStore('postgres://postgres:postgres@127.0.0.1:1/none');
    await expect(down.ready).rejects.toThrow();
    await expect(down.isSessionTainted!('default', 's')).rejects.toThrow();
    await down.close();
  });
});
