/**
 * The rate-counter contract, against the three built-in stores (memory, SQLite, PostgreSQL): token buckets refill by the clock
 * (given as arguments: no sleeps), an admission charges every limit or none, holds are given back,
 * and two stores on one SQLite file share their counters (a lease lapses when nobody renews it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RateAdmission, RateBucket, Store } from '../types.js';
import { createMemoryStore } from './memory-store.js';
import { createSqliteStore } from './sqlite-store.js';
import { postgresStores } from '../../test/helpers/postgres.js';

const T0 = 1_767_225_600_000;
const MINUTE = 60_000;

const dir = mkdtempSync(join(tmpdir(), 'archestra-rate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let serial = 0;

const requests = (limit: number, key = 'rpm'): RateBucket => ({ key, limit, windowMs: MINUTE, cost: 1 });
const tokens = (limit: number, key = 'tpm'): RateBucket => ({ key, limit, windowMs: MINUTE, cost: 0 });
function admission(now: number, fields: Partial<RateAdmission> = {}): RateAdmission {
  return { now, buckets: [], holds: [], holdId: `h${++serial}`, owner: 'proxy-a', holdUntil: now + MINUTE, ...fields };
}

const postgres = await postgresStores('rate', 16);

const stores: [string, () => Store][] = [
  ['memory', () => createMemoryStore()],
  ['SQLite file', () => createSqliteStore(join(dir, `${++serial}.db`), { writerThread: false })],
  ['PostgreSQL', () => postgres.open()],
];

describe.each(stores)('rate counters in the %s store', (_name, open) => {
  it('requests per minute: a burst of the limit, then one more each window/limit; the wait is exact', async () => {
    const store = open();
    const counters = store.rateCounters!;
    const bucket = requests(3);
    for (let n = 0; n < 3; n++) expect(await counters.admit(admission(T0, { buckets: [bucket] }))).toEqual({ admitted: true });
    expect(await counters.admit(admission(T0, { buckets: [bucket] }))).toEqual({ admitted: false, kind: 'bucket', index: 0, retryAfterMs: 20_000 });
    // 5 s later, 15 s to go; at 20 s, one unit is back (and only one).
    expect(await counters.admit(admission(T0 + 5_000, { buckets: [bucket] }))).toMatchObject({ admitted: false, retryAfterMs: 15_000 });
    expect(await counters.admit(admission(T0 + 20_000, { buckets: [bucket] }))).toEqual({ admitted: true });
    expect(await counters.admit(admission(T0 + 20_000, { buckets: [bucket] }))).toMatchObject({ admitted: false, retryAfterMs: 20_000 });
    // Another key is another bucket.
    expect(await counters.admit(admission(T0, { buckets: [requests(3, 'other')] }))).toEqual({ admitted: true });
    await store.close();
  });

  it('tokens per minute: admitted while a token is left, charged after the answer, refused until the spend has refilled', async () => {
    const store = open();
    const counters = store.rateCounters!;
    const bucket = tokens(100);
    expect(await counters.admit(admission(T0, { buckets: [bucket] }))).toEqual({ admitted: true });
    await counters.spend([{ ...bucket, cost: 99 }], T0);
    // One token left: admitted (the admission itself takes none).
    expect(await counters.admit(admission(T0, { buckets: [bucket] }))).toEqual({ admitted: true });
    await counters.spend([{ ...bucket, cost: 51 }], T0);
    // 150 spent of 100: one token is back once 51 have refilled, at 600 ms a token.
    expect(await counters.admit(admission(T0, { buckets: [bucket] }))).toEqual({ admitted: false, kind: 'bucket', index: 0, retryAfterMs: 51 * 600 });
    expect(await counters.admit(admission(T0 + 51 * 600 - 1, { buckets: [bucket] }))).toMatchObject({ admitted: false, retryAfterMs: 1 });
    expect(await counters.admit(admission(T0 + 51 * 600, { buckets: [bucket] }))).toEqual({ admitted: true });
    await store.close();
  });

  it('an admission refused by one limit charges none of the others', async () => {
    const store = open();
    const counters = store.rateCounters!;
    const roomy = requests(10, 'roomy');
    const tight = requests(1, 'tight');
    expect(await counters.admit(admission(T0, { buckets: [roomy, tight] }))).toEqual({ admitted: true });
    for (let n = 0; n < 5; n++) expect(await counters.admit(admission(T0, { buckets: [roomy, tight], holds: [{ key: 'c', max: 5 }] }))).toMatchObject({ admitted: false, index: 1 });
    // `roomy` was charged once: nine left.
    for (let n = 0; n < 9; n++) expect(await counters.admit(admission(T0, { buckets: [roomy] }))).toEqual({ admitted: true });
    expect(await counters.admit(admission(T0, { buckets: [roomy] }))).toMatchObject({ admitted: false });
    // Nor were holds taken by the refused ones.
    for (let n = 0; n < 5; n++) expect(await counters.admit(admission(T0, { holds: [{ key: 'c', max: 5 }] }))).toEqual({ admitted: true });
    await store.close();
  });

  it('concurrent holds: at most max taken, one given back is taken again; releasing twice gives back once', async () => {
    const store = open();
    const counters = store.rateCounters!;
    const hold = { key: 'conc', max: 2 };
    expect(await counters.admit(admission(T0, { holds: [hold], holdId: 'a' }))).toEqual({ admitted: true });
    expect(await counters.admit(admission(T0, { holds: [hold], holdId: 'b' }))).toEqual({ admitted: true });
    expect(await counters.admit(admission(T0, { holds: [hold], holdId: 'c' }))).toEqual({ admitted: false, kind: 'hold', index: 0, retryAfterMs: 0 });
    await counters.release('a');
    await counters.release('a');
    expect(await counters.admit(admission(T0, { holds: [hold], holdId: 'd' }))).toEqual({ admitted: true });
    expect(await counters.admit(admission(T0, { holds: [hold], holdId: 'e' }))).toMatchObject({ admitted: false });
    await store.close();
  });
});

const pairs: [string, () => [Store, Store]][] = [
  ['one SQLite file', () => [createSqliteStore(join(dir, 'shared.db'), { writerThread: false }), createSqliteStore(join(dir, 'shared.db'), { writerThread: false })]],
  ['one PostgreSQL database', () => postgres.pair()],
];

describe.each(pairs)('two stores on %s', (_name, openPair) => {
  it('share their buckets and holds; a hold whose owner stopped renewing lapses, a renewed one does not', async () => {
    const [a, b] = openPair();
    const bucket = requests(2);
    expect(await a.rateCounters!.admit(admission(T0, { buckets: [bucket] }))).toEqual({ admitted: true });
    expect(await b.rateCounters!.admit(admission(T0, { buckets: [bucket] }))).toEqual({ admitted: true });
    expect(await a.rateCounters!.admit(admission(T0, { buckets: [bucket] }))).toMatchObject({ admitted: false, retryAfterMs: 30_000 });
    expect(await b.rateCounters!.admit(admission(T0, { buckets: [bucket] }))).toMatchObject({ admitted: false, retryAfterMs: 30_000 });

    const hold = { key: 'conc', max: 2 };
    expect(await a.rateCounters!.admit(admission(T0, { holds: [hold], owner: 'a', holdUntil: T0 + MINUTE }))).toEqual({ admitted: true });
    expect(await b.rateCounters!.admit(admission(T0, { holds: [hold], owner: 'b', holdUntil: T0 + MINUTE }))).toEqual({ admitted: true });
    expect(await a.rateCounters!.admit(admission(T0, { holds: [hold], owner: 'a' }))).toMatchObject({ admitted: false, kind: 'hold' });
    // `a` renews; `b` died: after its lease, its hold counts no more.
    await a.rateCounters!.renew('a', T0 + 2 * MINUTE, T0 + 30_000);
    expect(await b.rateCounters!.admit(admission(T0 + MINUTE, { holds: [hold], owner: 'b' }))).toEqual({ admitted: true });
    expect(await b.rateCounters!.admit(admission(T0 + MINUTE, { holds: [hold], owner: 'b' }))).toMatchObject({ admitted: false, kind: 'hold' });
    await a.close();
    await b.close();
  });

  it('concurrent admissions through both never take more than the limit', async () => {
    const [a, b] = openPair();
    const bucket = requests(5, 'race');
    const verdicts = await Promise.all(Array.from({ length: 20 }, (_, n) => (n % 2 ? a : b).rateCounters!.admit(admission(T0, { buckets: [bucket] }))));
    expect(verdicts.filter((verdict) => verdict.admitted)).toHaveLength(5);
    await a.close();
    await b.close();
  });
});
