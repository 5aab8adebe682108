import { createMemoryApprovals } from './memory-approvals.js';
import { createMemoryBudgetCounters } from './memory-budget-counters.js';
import { createMemoryRateCounters } from './memory-rate-counters.js';
import { summarizeRows } from './usage-summary.js';
import { matchesInteraction } from './interaction-filter.js';
import { createMemoryProfiles } from './memory-profiles.js';
import type { AnswerContextRecord, InteractionQuery, InteractionRecord, Store, VirtualKeyRecord } from '../types.js';

export interface MemoryStoreOptions {
  /** Most rows kept; the oldest go first. @default 10000 */
  maxRows?: number;
  /** Most bytes of rows kept (`rowBytes`); the oldest go first. @default 33554432 @unit bytes */
  maxBytes?: number;
}

export const MEMORY_DEFAULTS = { maxRows: 10_000, maxBytes: 32 * 1024 * 1024 } as const;

/** What a row costs besides its texts: its fixed fields, counted once. */
export const ROW_OVERHEAD_BYTES = 512;

/**
 * A row's size as the window counts it: `ROW_OVERHEAD_BYTES` plus the length of its texts (the
 * request and response bodies, the error and every other string field) and of its decisions and
 * answer context as JSON, one byte per character (ASCII text takes one byte a character in
 * memory). Counting needs no serialisation of the bodies: it stays cheap on the audit path.
 */
export function rowBytes(row: InteractionRecord): number {
  let bytes = ROW_OVERHEAD_BYTES;
  for (const value of Object.values(row)) if (typeof value === 'string') bytes += value.length;
  if (row.decisions) bytes += JSON.stringify(row.decisions).length;
  if (row.answerContext) bytes += JSON.stringify(row.answerContext).length;
  return bytes;
}

interface Kept {
  row: InteractionRecord;
  bytes: number;
  /** Insertion order: among rows of the same `createdAt`, the later one is newer. */
  seq: number;
}

/**
 * The in-process default store: the newest rows in memory, bounded by `maxRows` and `maxBytes`
 * (the oldest leave first), with no native addon and no database on the event loop: saving a row
 * is an append to a ring. Virtual keys and session taint are kept whole (taint is never
 * forgotten: forgetting it would lift a security decision). An answer whose row left the window
 * is no longer known: read back, it is judged as untrusted. Approvals are bounded by their own
 * rules (memory-approvals.ts).
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const maxRows = options.maxRows ?? MEMORY_DEFAULTS.maxRows;
  const maxBytes = options.maxBytes ?? MEMORY_DEFAULTS.maxBytes;
  /** A ring of `maxRows` slots; `head` is the oldest kept row, `size` how many are kept. */
  const ring: (Kept | undefined)[] = [];
  let head = 0;
  let size = 0;
  let bytes = 0;
  let seq = 0;
  const answers = new Map<string, Kept>();
  const keys = new Map<string, VirtualKeyRecord>();
  /** Key id by key hash: the lookup every virtual-key request makes. */
  const byHash = new Map<string, string>();
  const taint = new Set<string>();
  /** The kept rows by request id: a started row's terminal row takes its place; a row saved again is ignored. */
  const byId = new Map<string, Kept>();

  function dropOldest(): void {
    const oldest = ring[head];
    if (!oldest) return;
    ring[head] = undefined;
    head = (head + 1) % maxRows;
    size--;
    bytes -= oldest.bytes;
    if (byId.get(oldest.row.id) === oldest) byId.delete(oldest.row.id);
    const key = answerKey(oldest.row);
    if (key !== null && answers.get(key) === oldest) answers.delete(key);
  }

  function keep(row: InteractionRecord): void {
    const place = byId.get(row.id);
    if (place && place.row.outcome === 'started' && row.outcome !== 'started') {
      // The terminal row of a request whose started row is kept: in its place, at its age.
      const rowSize = rowBytes(row);
      bytes += rowSize - place.bytes;
      place.row = row;
      place.bytes = rowSize;
      const key = answerKey(row);
      if (key !== null && row.answerContext) answers.set(key, place);
      // Grown past the window: the oldest leave first (the row itself last of all).
      while (bytes > maxBytes && size > 0) dropOldest();
      return;
    }
    if (place) return;
    const kept: Kept = { row, bytes: rowBytes(row), seq: seq++ };
    // A row larger than the whole window is not kept: it would empty the window for nothing.
    if (kept.bytes > maxBytes) return;
    while (size > 0 && (size >= maxRows || bytes + kept.bytes > maxBytes)) dropOldest();
    ring[(head + size) % maxRows] = kept;
    size++;
    bytes += kept.bytes;
    const key = answerKey(row);
    if (key !== null && row.answerContext) answers.set(key, kept);
    byId.set(row.id, kept);
  }

  return {
    takesStartedRows: true,
    approvals: createMemoryApprovals(),
    rateCounters: createMemoryRateCounters(),
    budgetCounters: createMemoryBudgetCounters(),
    profiles: createMemoryProfiles(),
    saveInteractions(rows) {
      for (const row of rows) keep(row);
    },
    async listInteractions(query: InteractionQuery = {}) {
      const limit = query.limit ?? 100;
      const before = query.before === undefined ? undefined : byId.get(query.before);
      // Older rows leave first: an anchor no longer kept has nothing older left.
      if (query.before !== undefined && !before) return [];
      const after = query.after === undefined ? undefined : byId.get(query.after);
      const found: Kept[] = [];
      for (let index = 0; index < size; index++) {
        const kept = ring[(head + index) % maxRows];
        if (!kept || !matchesInteraction(kept.row, query)) continue;
        if (before && newestFirst(kept, before) <= 0) continue;
        if (after && newestFirst(kept, after) >= 0) continue;
        found.push(kept);
      }
      // Newest first, as the SQLite store orders them: by arrival time, then by insertion.
      found.sort(newestFirst);
      // After an anchor, the oldest `limit` rows newer than it.
      return (after ? found.slice(-limit) : found.slice(0, limit)).map((kept) => kept.row);
    },
    summarizeUsage(query) {
      const rows: InteractionRecord[] = [];
      for (let index = 0; index < size; index++) rows.push(ring[(head + index) % maxRows]!.row);
      return summarizeRows(rows, query);
    },
    saveVirtualKey(record) {
      if (byHash.has(record.keyHash) || keys.has(record.id)) throw new Error('A virtual key with this id or hash exists.');
      keys.set(record.id, { ...record });
      byHash.set(record.keyHash, record.id);
    },
    findVirtualKeyByHash(keyHash) {
      const id = byHash.get(keyHash);
      const key = id === undefined ? undefined : keys.get(id);
      return key && { ...key };
    },
    listVirtualKeys() {
      // Newest first; the later of two created in the same millisecond first.
      return [...keys.values()].reverse().sort((a, b) => (a.createdAt === b.createdAt ? 0 : a.createdAt < b.createdAt ? 1 : -1)).map((key) => ({ ...key }));
    },
    revokeVirtualKey(id, revokedAt) {
      const key = keys.get(id);
      if (!key) return false;
      key.revokedAt ??= revokedAt;
      return true;
    },
    markSessionTainted(proxyId, sessionId) {
      taint.add(`${proxyId}\u0000${sessionId}`);
    },
    isSessionTainted(proxyId, sessionId) {
      return taint.has(`${proxyId}\u0000${sessionId}`);
    },
    findAnswerContext(proxyId, answerId): AnswerContextRecord | undefined {
      return answers.get(`${proxyId}\u0000${answerId}`)?.row.answerContext ?? undefined;
    },
    close() {},
  };
}

function answerKey(row: InteractionRecord): string | null {
  return row.answerId ? `${row.proxyId}\u0000${row.answerId}` : null;
}

/** Negative when `a` is newer: by arrival time, then by insertion. */
function newestFirst(a: Kept, b: Kept): number {
  return a.row.createdAt === b.row.createdAt ? b.seq - a.seq : a.row.createdAt < b.row.createdAt ? 1 : -1;
}
