/**
 * The budget-counter contract, against the three built-in stores (memory, SQLite, PostgreSQL): a reservation takes every budget of
 * a request or none, settling keeps the real spend and gives the rest back, spend counts only from
 * a window's start, and two stores on one SQLite file share their counters (a reservation lapses
 * when nobody renews it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BudgetCounter, BudgetCounters, BudgetReservation, Store } from '../types.js';
import { createMemoryStore } from './memory-store.js';
import { createSqliteStore } from './sqlite-store.js';
import { postgresStores } from '../../test/helpers/postgres.js';

const T0 = 1_767_225_600_000;
const MINUTE = 60_000;

const dir = mkdtempSync(join(tmpdir(), 'archestra-budget-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let serial = 0;

const counter = (key: string, limit: number, amount: number, from = T0, slot = T0): BudgetCounter => ({ key, limit, from, slot, amount });
function reservation(now: number, counters: BudgetCounter[], fields: Partial<BudgetReservation> = {}): BudgetReservation {
  return { now, counters, id: `r${++serial}`, owner: 'proxy-a', until: now + MINUTE, ...fields };
}

const postgres = await postgresStores('budget', 16);

const stores: [string, () => Store][] = [
  ['memory', () => createMemoryStore()],
  ['SQLite file', () => createSqliteStore(join(dir, `${++serial}.db`), { writerThread: false })],
  ['PostgreSQL', () => postgres.open()],
];

describe.each(stores)('budget counters in the %s store', (_name, open) => {
  it('reserves while the worst case fits; settling keeps the real spend and gives the rest back', async () => {
    const counters = open().budgetCounters!;
    const first = reservation(T0, [counter('k', 100, 40)]);
    expect(await counters.reserve(first)).toEqual({ reserved: true });
    expect(await counters.reserve(reservation(T0, [counter('k', 100, 40)]))).toEqual({ reserved: true });
    expect(await counters.reserve(reservation(T0, [counter('k', 100, 40)]))).toEqual({ reserved: false, index: 0, spent: 0, held: 80 });
    await counters.settle(first.id, [{ key: 'k', slot: T0, amount: 15 }]);
    // 15 spent + 40 held: 40 more fits exactly up to 95, 46 would not.
    expect(await counters.reserve(reservation(T0, [counter('k', 100, 46)]))).toEqual({ reserved: false, index: 0, spent: 15, held: 40 });
    expect(await counters.reserve(reservation(T0, [counter('k', 100, 45)]))).toEqual({ reserved: true });
    expect(await counters.spentSince('k', 0)).toEqual([{ slot: T0, amount: 15 }]);
  });

  it('all or none: a request refused by one budget reserves nothing on the others', async () => {
    const counters = open().budgetCounters!;
    expect(await counters.reserve(reservation(T0, [counter('a', 100, 60), counter('b', 50, 60)]))).toEqual({ reserved: false, index: 1, spent: 0, held: 0 });
    expect(await counters.reserve(reservation(T0, [counter('a', 100, 100)]))).toEqual({ reserved: true });
  });

  it('spend counts from the window\'s start; settling with no spend gives the whole reservation back', async () => {
    const counters = open().budgetCounters!;
    const made = reservation(T0, [counter('w', 10, 10)]);
    await counters.reserve(made);
    await counters.settle(made.id, [{ key: 'w', slot: T0, amount: 10 }]);
    expect(await counters.reserve(reservation(T0, [counter('w', 10, 1)]))).toMatchObject({ reserved: false, spent: 10 });
    const later = reservation(T0 + MINUTE, [counter('w', 10, 10, T0 + MINUTE, T0 + MINUTE)]);
    expect(await counters.reserve(later)).toEqual({ reserved: true });
    await counters.settle(later.id, []);
    expect(await counters.reserve(reservation(T0 + MINUTE, [counter('w', 10, 10, T0 + MINUTE, T0 + MINUTE)]))).toEqual({ reserved: true });
  });
});

const pairs: [string, () => [Store, Store]][] = [
  ['one SQLite file', () => [createSqliteStore(join(dir, 'shared.db'), { writerThread: false }), createSqliteStore(join(dir, 'shared.db'), { writerThread: false })]],
  ['one PostgreSQL database', () => postgres.pair()],
];

describe.each(pairs)('%s, two stores', (_name, openPair) => {
  it('share spend and reservations; a reservation nobody renews lapses with its lease', async () => {
    const [a, b] = openPair().map((store) => store.budgetCounters!) as [BudgetCounters, BudgetCounters];
    const held = reservation(T0, [counter('s', 10, 6)], { owner: 'a' });
    expect(await a.reserve(held)).toEqual({ reserved: true });
    expect(await b.reserve(reservation(T0, [counter('s', 10, 6)], { owner: 'b' }))).toMatchObject({ reserved: false, held: 6 });
    await b.renew('b', T0 + 2 * MINUTE, T0 + MINUTE);
    // `a` never renewed: its lease ran out at T0 + 1 min.
    expect(await b.reserve(reservation(T0 + MINUTE, [counter('s', 10, 6)], { owner: 'b' }))).toEqual({ reserved: true });
  });

  it('concurrent reservations through both never overshoot the budget', async () => {
    const [a, b] = openPair().map((store) => store.budgetCounters!) as [BudgetCounters, BudgetCounters];
    const verdicts = await Promise.all(Array.from({ length: 20 }, (_, n) => (n % 2 ? a : b).reserve(reservation(T0, [counter('race', 10, 2)]))));
    expect(verdicts.filter((verdict) => verdict.reserved)).toHaveLength(5);
  });
});
