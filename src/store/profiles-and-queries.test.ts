/**
 * The stored-profile contract and the interaction query's filters and paging anchors, against
 * both built-in stores (the page and the admin API rely on them behaving the same).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { InteractionRecord, Store } from '../types.js';
import { createMemoryStore } from './memory-store.js';
import { createSqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'archestra-profiles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let serial = 0;

const stores: [string, () => Store][] = [
  ['memory', () => createMemoryStore()],
  ['SQLite file', () => createSqliteStore(join(dir, `${++serial}.db`), { writerThread: false })],
];

function row(id: string, createdAt: string, extra: Partial<InteractionRecord> = {}): InteractionRecord {
  return {
    id, createdAt, proxyId: 'default', provider: 'openai', operation: 'chat', model: 'm', responseModel: null, agentId: null, userId: null,
    sessionId: null, executionId: null, status: 200, outcome: 'ok', error: null, stream: false, durationMs: 1, timeToFirstTokenMs: null,
    inputTokens: null, outputTokens: null, requestBody: null, responseBody: null, authMethod: null, virtualKeyId: null, decisions: null, ...extra,
  };
}

describe.each(stores)('the %s store', (_name, open) => {
  it('profiles: created once per id, listed oldest first, replaced, deleted; copies, never the stored object', async () => {
    const store = open();
    const profiles = store.profiles!;
    const first = { id: 'a', description: 'first', config: { policies: { tools: [] } }, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };
    expect(await profiles.createProfile(first)).toBe(true);
    expect(await profiles.createProfile({ ...first, description: 'again' })).toBe(false);
    expect(await profiles.createProfile({ ...first, id: 'b', createdAt: '2026-01-02T00:00:00.000Z' })).toBe(true);
    const listed = await profiles.listProfiles();
    expect(listed.map((profile) => [profile.id, profile.description])).toEqual([['a', 'first'], ['b', 'first']]);
    (listed[0]!.config as { policies: { tools: unknown[] } }).policies.tools.push('mutated');
    expect((await profiles.findProfile('a'))?.config).toEqual({ policies: { tools: [] } });
    expect(await profiles.updateProfile('a', { description: null, config: {}, updatedAt: '2026-01-03T00:00:00.000Z' })).toEqual({ ...first, description: null, config: {}, updatedAt: '2026-01-03T00:00:00.000Z' });
    expect(await profiles.updateProfile('nope', { description: null, config: {}, updatedAt: '2026-01-03T00:00:00.000Z' })).toBeUndefined();
    expect(await profiles.deleteProfile('a')).toBe(true);
    expect(await profiles.deleteProfile('a')).toBe(false);
    expect(await profiles.findProfile('a')).toBeUndefined();
    await store.close();
  });

  it('interactions: refused covers refusing outcomes and blocking decisions; before/after anchors by position; an anchor gone', async () => {
    const store = open();
    await store.saveInteractions([
      row('r1', '2026-01-01T00:00:01.000Z'),
      row('r2', '2026-01-01T00:00:02.000Z', { outcome: 'over_budget', status: 402 }),
      row('r3', '2026-01-01T00:00:02.000Z', { decisions: [{ kind: 'tool_call', toolCallId: 'c', tool: 'send', action: 'block', ruleId: 'x', reason: 'no' }] }),
      row('r4', '2026-01-01T00:00:03.000Z', { decisions: [{ kind: 'data_leak', direction: 'response', detector: 'email', path: '$', action: 'redact' }] }),
    ]);
    const ids = async (query: Parameters<Store['listInteractions']>[0]) => (await store.listInteractions(query)).map((found) => found.id);
    expect(await ids({})).toEqual(['r4', 'r3', 'r2', 'r1']);
    expect(await ids({ refused: true })).toEqual(['r3', 'r2']);
    expect(await ids({ refused: false })).toEqual(['r4', 'r1']);
    expect(await ids({ before: 'r3' })).toEqual(['r2', 'r1']);
    expect(await ids({ before: 'r3', limit: 1 })).toEqual(['r2']);
    expect(await ids({ after: 'r1', limit: 2 })).toEqual(['r3', 'r2']);
    expect(await ids({ after: 'r2' })).toEqual(['r4', 'r3']);
    expect(await ids({ before: 'gone' })).toEqual([]);
    expect(await ids({ after: 'gone', limit: 2 })).toEqual(['r4', 'r3']);
    expect(await ids({ id: 'r2' })).toEqual(['r2']);
    expect(await ids({ since: '2026-01-01T00:00:02.000Z', until: '2026-01-01T00:00:03.000Z' })).toEqual(['r3', 'r2']);
    await store.close();
  });
});
