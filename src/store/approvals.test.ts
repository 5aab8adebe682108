/**
 * The approval contract, against the three built-in stores (memory, SQLite, PostgreSQL): created pending, decided once, consumed
 * once, lapsed by time (given as arguments: no clock in these tests), bounded per proxy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApprovalRecord, Store } from '../types.js';
import { createMemoryStore } from './memory-store.js';
import { createSqliteStore } from './sqlite-store.js';
import { postgresStores } from '../../test/helpers/postgres.js';

const T0 = '2026-01-01T00:00:00.000Z';
const HOUR = 3_600_000;
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

let serial = 0;
function approval(fields: Partial<ApprovalRecord> = {}): ApprovalRecord {
  serial++;
  return {
    id: `apr_${serial}`, proxyId: 'default', scope: 'session:s1', key: 'k1', tool: 'send_email', arguments: '{"to":"a@b.test"}',
    reason: 'needs approval', ruleId: 'tool:0', state: 'pending', createdAt: at(serial), expiresAt: at(serial + HOUR),
    decidedAt: null, decidedBy: null, note: null, usedAt: null, interactionId: 'row-1', ...fields,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'archestra-approvals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const postgres = await postgresStores('approvals', 14);

const stores: [string, () => Store][] = [
  ['memory', () => createMemoryStore()],
  ['SQLite file', () => createSqliteStore(join(dir, `${++serial}.db`), { writerThread: false })],
  ['PostgreSQL', () => postgres.open()],
];

describe.each(stores)('approvals in the %s store', (_name, open) => {
  it('an approved approval is consumed once: a second use is refused', async () => {
    const store = open();
    const approvals = store.approvals!;
    const record = approval();
    expect(await approvals.createApproval(record, 1_000)).toBe(0);
    expect(await approvals.consumeApproval(record.id, at(10))).toBe(false);
    const decided = await approvals.decideApproval(record.id, { state: 'approved', by: 'alice', note: 'ok', at: at(10) });
    expect(decided).toMatchObject({ outcome: 'decided', approval: { state: 'approved', decidedBy: 'alice', note: 'ok', decidedAt: at(10) } });
    expect(await approvals.consumeApproval(record.id, at(20))).toBe(true);
    expect(await approvals.consumeApproval(record.id, at(21))).toBe(false);
    expect(await approvals.findApproval(record.id)).toMatchObject({ state: 'used', usedAt: at(20), decidedBy: 'alice' });
    await store.close();
  });

  it('a decided approval cannot be decided again (conflict); an unknown id is unknown; a denied one is never consumed', async () => {
    const store = open();
    const approvals = store.approvals!;
    const record = approval();
    await approvals.createApproval(record, 1_000);
    expect((await approvals.decideApproval(record.id, { state: 'denied', by: 'bob', note: null, at: at(10) })).outcome).toBe('decided');
    expect(await approvals.decideApproval(record.id, { state: 'approved', by: 'eve', note: null, at: at(11) })).toMatchObject({ outcome: 'conflict', approval: { state: 'denied', decidedBy: 'bob' } });
    expect(await approvals.decideApproval('apr_nope', { state: 'approved', by: 'eve', note: null, at: at(11) })).toEqual({ outcome: 'unknown' });
    expect(await approvals.consumeApproval(record.id, at(12))).toBe(false);
    await store.close();
  });

  it('expiry: a pending approval lapses at expiresAt (it can no longer be decided), an approved one lapses unused after as long again', async () => {
    const store = open();
    const approvals = store.approvals!;
    const late = approval();
    await approvals.createApproval(late, 1_000);
    expect(await approvals.decideApproval(late.id, { state: 'approved', by: 'alice', note: null, at: late.expiresAt })).toMatchObject({ outcome: 'conflict', approval: { state: 'expired' } });

    const record = approval();
    await approvals.createApproval(record, 1_000);
    const decidedAt = at(30 * 60_000);
    const decided = await approvals.decideApproval(record.id, { state: 'approved', by: 'alice', note: null, at: decidedAt });
    // The decision lasts as long as the approval could wait (one hour here), from the decision.
    const expiresAt = at(30 * 60_000 + HOUR);
    expect(decided).toMatchObject({ approval: { expiresAt } });
    expect(await approvals.listApprovals({ scope: record.scope, proxyId: 'default', liveAt: at(HOUR + 60_000) })).toEqual([expect.objectContaining({ id: record.id })]);
    expect(await approvals.listApprovals({ scope: record.scope, proxyId: 'default', liveAt: expiresAt })).toEqual([]);
    expect(await approvals.consumeApproval(record.id, expiresAt)).toBe(false);
    expect(await approvals.expireApprovals(expiresAt)).toBe(1);
    expect(await approvals.findApproval(record.id)).toMatchObject({ state: 'expired' });
    await store.close();
  });

  it('bound: beyond maxPending per proxy the oldest pending are expired (by "limit") and counted; other proxies and decided ones are untouched', async () => {
    const store = open();
    const approvals = store.approvals!;
    const approved = approval();
    await approvals.createApproval(approved, 3);
    await approvals.decideApproval(approved.id, { state: 'approved', by: 'alice', note: null, at: at(100) });
    const other = approval({ proxyId: 'other' });
    await approvals.createApproval(other, 3);
    const pending = [approval(), approval(), approval()];
    for (const record of pending) expect(await approvals.createApproval(record, 3)).toBe(0);
    const newer = [approval(), approval()];
    for (const record of newer) expect(await approvals.createApproval(record, 3)).toBe(1);
    const states = await approvals.listApprovals({ proxyId: 'default', limit: 100 });
    expect(states.map((record) => [record.id, record.state])).toEqual([
      [newer[1]!.id, 'pending'], [newer[0]!.id, 'pending'], [pending[2]!.id, 'pending'],
      [pending[1]!.id, 'expired'], [pending[0]!.id, 'expired'], [approved.id, 'approved'],
    ]);
    expect(await approvals.findApproval(pending[0]!.id)).toMatchObject({ decidedBy: 'limit' });
    expect(await approvals.findApproval(other.id)).toMatchObject({ state: 'pending' });
    await store.close();
  });

  it('lists newest first, by state, by scope', async () => {
    const store = open();
    const approvals = store.approvals!;
    const [a, b, c] = [approval(), approval({ scope: 'agent:bot' }), approval()];
    for (const record of [a!, b!, c!]) await approvals.createApproval(record, 1_000);
    await approvals.decideApproval(c!.id, { state: 'denied', by: 'bob', note: null, at: at(200) });
    expect((await approvals.listApprovals({ states: ['pending'] })).map((record) => record.id)).toEqual([b!.id, a!.id]);
    expect((await approvals.listApprovals({ proxyId: 'default', scope: 'session:s1' })).map((record) => record.id)).toEqual([c!.id, a!.id]);
    expect((await approvals.listApprovals({ limit: 1 })).map((record) => record.id)).toEqual([c!.id]);
    await store.close();
  });
});

const pairs: [string, () => [Store, Store]][] = [
  ['a SQLite file', () => [createSqliteStore(join(dir, 'shared.db'), { writerThread: false }), createSqliteStore(join(dir, 'shared.db'), { writerThread: false })]],
  ['a PostgreSQL database', () => postgres.pair()],
];

describe.each(pairs)('approvals in %s are shared by the processes that open it', (_name, openPair) => {
  it('consumed through one connection, the approval is used for the other', async () => {
    const [one, two] = openPair();
    const record = approval();
    await one.approvals!.createApproval(record, 1_000);
    await two.approvals!.decideApproval(record.id, { state: 'approved', by: 'cli', note: null, at: at(10) });
    expect(await one.approvals!.consumeApproval(record.id, at(11))).toBe(true);
    expect(await two.approvals!.consumeApproval(record.id, at(12))).toBe(false);
    await one.close();
    await two.close();
  });
});
