/**
 * `npx tsx bench/budget-stage.ts [--requests 20000]`: what a budget costs per request on the hot
 * path, the stage's own work (the budgets that apply, the reservation, the settlement), with the
 * memory store and with a SQLite file (each step one IMMEDIATE transaction on its own connection).
 * Two budgets apply to each request (tokens per agent over a rolling 24h, dollars per profile
 * over a calendar month): four counters, the dollar side priced from the bundled price table
 * (the worst case before, the usage after). Not part of `npm run bench`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { validateConfig } from '../src/config/validate-config.js';
import { applicableBudgets, budgetWindow } from '../src/policy/budgets.js';
import { createPriceBook } from '../src/pricing/price-book.js';
import { createMemoryStore } from '../src/store/memory-store.js';
import { createSqliteStore } from '../src/store/sqlite-store.js';
import type { Store } from '../src/types.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '20000' } } });
const requests = Number(values.requests);
const rules = validateConfig({
  limits: {
    budgets: [
      { scope: 'agent', tokens: 1e12, usd: 1e6, window: { rolling: '24h' } },
      { scope: 'profile', usd: 1e6, tokens: 1e12, window: { calendar: 'month', timeZone: 'Europe/Berlin' } },
    ],
  },
}).limits.budgets;

const prices = createPriceBook({ models: {} });
await prices.ready();

async function run(name: string, store: Store): Promise<void> {
  const counters = store.budgetCounters!;
  const started = Date.now();
  const once = async (index: number) => {
    const now = started + index;
    const applied = applicableBudgets(rules, { profileId: 'default', virtualKeyId: null, context: { agentId: `agent-${index % 50}` }, model: 'gpt-4o-mini' }, now);
    const id = `r${index}`;
    const worstUsd = prices.cost('openai', 'gpt-4o-mini', { inputTokens: 40, outputTokens: 1_000 })!;
    const usedUsd = prices.cost('openai', 'gpt-4o-mini', { inputTokens: 12, outputTokens: 7 })!;
    await counters.reserve({ now, id, owner: 'bench', until: now + 60_000, counters: applied.map((budget) => ({ key: budget.key, limit: budget.limit, from: budget.window.from, slot: budget.window.slot, amount: budget.unit === 'usd' ? worstUsd : 1_040 })) });
    await counters.settle(id, applied.map((budget) => ({ key: budget.key, slot: budgetWindow(budget.rule.window, now).slot, amount: budget.unit === 'usd' ? usedUsd : 19 })));
  };
  for (let index = 0; index < 2_000; index++) await once(index);
  const t0 = process.hrtime.bigint();
  for (let index = 0; index < requests; index++) await once(2_000 + index);
  const micros = Number(process.hrtime.bigint() - t0) / 1_000 / requests;
  console.log(`${name}: ${micros.toFixed(1)} µs per request (reserve + settle, 2 budgets = 4 counters, ${requests} requests)`);
  await store.close();
}

const dir = mkdtempSync(join(tmpdir(), 'archestra-budget-bench-'));
try {
  await run('memory store', createMemoryStore());
  await run('SQLite file', createSqliteStore(join(dir, 'bench.db'), { writerThread: false }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
