/**
 * `Store.summarizeUsage`: the SQLite and PostgreSQL aggregates and the in-memory sum answer the same figures for
 * the same rows: a window (since inclusive, until exclusive), groups, refusals, unknown costs
 * counted apart (never as 0), most spend first.
 */
import { describe, expect, it } from 'vitest';
import type { InteractionRecord, Store, UsageSummary } from '../types.js';
import { createMemoryStore } from './memory-store.js';
import { createSqliteStore } from './sqlite-store.js';
import { postgresStores } from '../../test/helpers/postgres.js';

let seq = 0;
function row(createdAt: string, fields: Partial<InteractionRecord>): InteractionRecord {
  return {
    id: `r${seq++}`, createdAt, proxyId: 'p', provider: 'openai', operation: 'chat', model: 'gpt-4o', responseModel: null,
    agentId: null, userId: null, sessionId: null, executionId: null, status: 200, outcome: 'ok', error: null,
    stream: false, durationMs: 1, timeToFirstTokenMs: null, inputTokens: null, outputTokens: null,
    requestBody: null, responseBody: null, authMethod: null, virtualKeyId: null, decisions: null, ...fields,
  };
}

const ROWS = [
  // Before the window.
  row('2026-11-30T23:59:59.999Z', { agentId: 'a', inputTokens: 1_000, outputTokens: 1_000, costUsd: 100 }),
  row('2026-12-01T00:00:00.000Z', { agentId: 'a', inputTokens: 100, outputTokens: 20, cacheReadTokens: 40, reasoningTokens: 5, costUsd: 0.5 }),
  row('2026-12-01T10:00:00.000Z', { agentId: 'a', inputTokens: 10, outputTokens: 2, costUsd: 0.25 }),
  row('2026-12-02T10:00:00.000Z', { agentId: 'b', inputTokens: 300, outputTokens: 30, costUsd: 2 }),
  // Usage reported, price unknown: unpriced, not free.
  row('2026-12-02T11:00:00.000Z', { agentId: 'b', model: 'mystery', inputTokens: 7, outputTokens: 3, costUsd: null }),
  // Refused before the upstream: no usage, so no unknown cost either.
  row('2026-12-02T12:00:00.000Z', { agentId: 'b', outcome: 'over_budget', status: 402 }),
  row('2026-12-02T12:30:00.000Z', { agentId: null, outcome: 'rate_limited', status: 429 }),
  // At `until`: outside.
  row('2026-12-03T00:00:00.000Z', { agentId: 'a', inputTokens: 1, outputTokens: 1, costUsd: 50 }),
];

const WINDOW = { since: '2026-12-01T00:00:00.000Z', until: '2026-12-03T00:00:00.000Z' };
const zero = { requests: 0, refusals: 0, costUsd: 0, unpriced: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, reasoningTokens: 0 };

async function stores(): Promise<[string, Store][]> {
  const memory = createMemoryStore();
  const sqlite = createSqliteStore(':memory:');
  const postgres = (await postgresStores('usage', 1)).open();
  for (const store of [memory, sqlite, postgres]) await store.saveInteractions(ROWS);
  return [['memory', memory], ['sqlite', sqlite], ['PostgreSQL', postgres]];
}

const rounded = (summaries: UsageSummary[]) => summaries.map((summary) => ({ ...summary, costUsd: Math.round(summary.costUsd * 1e9) / 1e9 }));

describe.each(await stores())('summarizeUsage (%s store)', (_name, store) => {
  it('groups by agent within the window, most spend first, refusals and unpriced requests apart', async () => {
    expect(rounded(await store.summarizeUsage!({ ...WINDOW, by: ['agent'] }))).toEqual([
      { ...zero, group: { agent: 'b' }, requests: 3, refusals: 1, costUsd: 2, unpriced: 1, inputTokens: 307, outputTokens: 33 },
      { ...zero, group: { agent: 'a' }, requests: 2, costUsd: 0.75, inputTokens: 110, outputTokens: 22, cacheReadTokens: 40, reasoningTokens: 5 },
      { ...zero, group: { agent: null }, requests: 1, refusals: 1 },
    ]);
  });

  it('groups by several dimensions (day and model); none sums everything; an empty window has no groups', async () => {
    expect(rounded(await store.summarizeUsage!({ ...WINDOW, by: ['day', 'model'] })).map((s) => [s.group, s.requests, s.costUsd, s.unpriced])).toEqual([
      [{ day: '2026-12-02', model: 'gpt-4o' }, 3, 2, 0],
      [{ day: '2026-12-01', model: 'gpt-4o' }, 2, 0.75, 0],
      [{ day: '2026-12-02', model: 'mystery' }, 1, 0, 1],
    ]);
    expect(rounded(await store.summarizeUsage!({ by: [] }))).toEqual([{ ...zero, group: {}, requests: 8, refusals: 2, costUsd: 152.75, unpriced: 1, inputTokens: 1_418, outputTokens: 1_056, cacheReadTokens: 40, reasoningTokens: 5 }]);
    expect(await store.summarizeUsage!({ since: '2027-01-01T00:00:00.000Z', by: ['agent'] })).toEqual([]);
  });
});
