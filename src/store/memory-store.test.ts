import { describe, expect, it } from 'vitest';
import type { InteractionRecord } from '../types.js';
import { createMemoryStore } from './memory-store.js';

const CREATED_AT = '2026-01-01T00:00:00.000Z';

/** A row whose only texts are its id, `createdAt`, proxy id `p`, outcome `ok` and a request body of `bodyLength` characters. */
function row(id: string, bodyLength = 0, fields: Partial<InteractionRecord> = {}): InteractionRecord {
  return {
    id, createdAt: CREATED_AT, proxyId: 'p', provider: null, operation: null, model: null, responseModel: null,
    agentId: null, userId: null, sessionId: null, executionId: null, status: 200, outcome: 'ok', error: null,
    stream: false, durationMs: 1, timeToFirstTokenMs: null, inputTokens: null, outputTokens: null,
    requestBody: bodyLength > 0 ? 'x'.repeat(bodyLength) : null, responseBody: null, authMethod: null,
    virtualKeyId: null, decisions: null, ...fields,
  };
}

/** The documented size: 512, plus one per character of its texts (id, createdAt, proxy id, outcome, body). */
const size = (id: string, bodyLength: number) => 512 + id.length + CREATED_AT.length + 'p'.length + 'ok'.length + bodyLength;

const ids = async (store: ReturnType<typeof createMemoryStore>) => (await store.listInteractions({ limit: 1_000 })).map((kept) => kept.id);

describe('the in-memory store: a bounded window of the newest rows', () => {
  it('holds exactly maxRows rows: the next one pushes the oldest out', async () => {
    const store = createMemoryStore({ maxRows: 3 });
    store.saveInteractions([row('a'), row('b'), row('c')]);
    expect(await ids(store)).toEqual(['c', 'b', 'a']);
    store.saveInteractions([row('d')]);
    expect(await ids(store)).toEqual(['d', 'c', 'b']);
    store.saveInteractions([row('e'), row('f'), row('g'), row('h')]);
    expect(await ids(store)).toEqual(['h', 'g', 'f']);
  });

  it('holds exactly maxBytes: rows that fill it to the byte are kept, one byte more pushes the oldest out', async () => {
    const full = size('a', 1000) + size('b', 2000) + size('c', 3000);
    const exact = createMemoryStore({ maxBytes: full });
    exact.saveInteractions([row('a', 1000), row('b', 2000), row('c', 3000)]);
    expect(await ids(exact)).toEqual(['c', 'b', 'a']);

    const short = createMemoryStore({ maxBytes: full - 1 });
    short.saveInteractions([row('a', 1000), row('b', 2000), row('c', 3000)]);
    expect(await ids(short)).toEqual(['c', 'b']);

    // A large row pushes out as many old rows as it needs to fit: 'd' takes the room of 'a' and 'b' exactly, 'e' one byte more.
    const room = size('a', 1000) + size('b', 2000) - size('d', 0);
    exact.saveInteractions([row('d', room)]);
    expect(await ids(exact)).toEqual(['d', 'c']);
    const again = createMemoryStore({ maxBytes: full });
    again.saveInteractions([row('a', 1000), row('b', 2000), row('c', 3000), row('e', room + 1)]);
    expect(await ids(again)).toEqual(['e']);
  });

  it('counts decisions and the answer context by their JSON, and keeps no row larger than the whole window', async () => {
    const decisions = [{ kind: 'quarantine', ruleId: 'q' }] as unknown as InteractionRecord['decisions'];
    const withDecisions = size('a', 0) + JSON.stringify(decisions).length;
    const store = createMemoryStore({ maxBytes: withDecisions });
    store.saveInteractions([row('a', 0, { decisions })]);
    expect(await ids(store)).toEqual(['a']);
    store.saveInteractions([row('b', withDecisions)]);
    expect(await ids(store)).toEqual(['a']);
  });

  it('lists newest first by arrival, filtered and limited like the SQLite store', async () => {
    const store = createMemoryStore();
    store.saveInteractions([
      row('late', 0, { createdAt: '2026-01-01T00:00:02.000Z', agentId: 'bot' }),
      row('early', 0, { createdAt: '2026-01-01T00:00:01.000Z', agentId: 'bot', sessionId: 's' }),
      row('same-1', 0, { createdAt: '2026-01-01T00:00:02.000Z', agentId: 'other', proxyId: 'q' }),
      row('same-2', 0, { createdAt: '2026-01-01T00:00:02.000Z', agentId: 'bot', sessionId: 's' }),
    ]);
    expect(await ids(store)).toEqual(['same-2', 'same-1', 'late', 'early']);
    expect((await store.listInteractions({ agentId: 'bot' })).map((kept) => kept.id)).toEqual(['same-2', 'late', 'early']);
    expect((await store.listInteractions({ sessionId: 's', limit: 1 })).map((kept) => kept.id)).toEqual(['same-2']);
    expect((await store.listInteractions({ proxyId: 'q' })).map((kept) => kept.id)).toEqual(['same-1']);
  });

  it("forgets an answer's context with its row: read back after it left the window, the answer is unknown", async () => {
    const context = { verdict: { trusted: true }, hasTools: false, refused: [] } as unknown as InteractionRecord['answerContext'];
    const store = createMemoryStore({ maxRows: 2 });
    store.saveInteractions([row('a', 0, { answerId: 'resp_1', answerContext: context })]);
    expect(store.findAnswerContext?.('p', 'resp_1')).toEqual(context);
    expect(store.findAnswerContext?.('other', 'resp_1')).toBeUndefined();
    store.saveInteractions([row('b'), row('c')]);
    expect(store.findAnswerContext?.('p', 'resp_1')).toBeUndefined();
  });

  it('keeps virtual keys and session taint whole, however many rows come', async () => {
    const store = createMemoryStore({ maxRows: 1 });
    const key = { id: 'k1', name: 'bot', keyHash: 'h1', keyPrefix: 'arch_', providers: null, proxyIds: null, sealedSecrets: null, createdAt: CREATED_AT, expiresAt: null, revokedAt: null };
    store.saveVirtualKey(key);
    store.saveVirtualKey({ ...key, id: 'k2', keyHash: 'h2' });
    expect(() => store.saveVirtualKey({ ...key, id: 'k3' })).toThrow();
    store.markSessionTainted?.('p', 's1', 'untrusted result');
    store.saveInteractions([row('a'), row('b'), row('c')]);
    expect((store.listVirtualKeys() as { id: string }[]).map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(store.revokeVirtualKey('k1', '2026-02-01T00:00:00.000Z')).toBe(true);
    expect(store.revokeVirtualKey('k1', '2026-03-01T00:00:00.000Z')).toBe(true);
    expect(store.revokeVirtualKey('nope', CREATED_AT)).toBe(false);
    expect(store.findVirtualKeyByHash('h1')).toMatchObject({ id: 'k1', revokedAt: '2026-02-01T00:00:00.000Z' });
    expect(store.findVirtualKeyByHash('h3')).toBeUndefined();
    expect(store.isSessionTainted?.('p', 's1')).toBe(true);
    expect(store.isSessionTainted?.('p', 's2')).toBe(false);
  });
});

describe('started rows in the in-memory store', () => {
  it('a terminal row takes its started row\'s place (and age); a started row never replaces a terminal one; the window counts the new size', async () => {
    const store = createMemoryStore({ maxRows: 3, maxBytes: 3 * size('x', 100) });
    expect(store.takesStartedRows).toBe(true);
    store.saveInteractions([row('a', 0, { outcome: 'started', status: 0 }), row('b'), row('c', 0, { outcome: 'started', status: 0 })]);
    store.saveInteractions([row('a', 0, { status: 502, outcome: 'upstream_error' })]);
    store.saveInteractions([row('a', 0, { outcome: 'started', status: 0 })]);
    const rows = await store.listInteractions();
    expect(rows.map((r) => [r.id, r.outcome])).toEqual([['c', 'started'], ['b', 'ok'], ['a', 'upstream_error']]);
    // c's terminal row has a body that leaves room for only two rows: the oldest (a) leaves.
    store.saveInteractions([row('c', size('x', 100))]);
    expect(await ids(store)).toEqual(['c', 'b']);
  });
});
