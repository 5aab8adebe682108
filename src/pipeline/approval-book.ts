import { createMemoryApprovals } from '../store/memory-approvals.js';
import type { ApprovalRecord, ApprovalStore, Store } from '../types.js';

/** Approval events counted in `llm_tool_approvals_total`. */
export type ApprovalEvent = 'held' | 'used' | 'denied' | 'evicted';

/**
 * The proxy's approvals: the store's (or, for a store without them, this process's memory),
 * plus what this process has not written yet. New approvals are written in the background, so
 * that holding a call never waits for the store; until written, identical calls reuse them here.
 */
export interface ApprovalBook {
  readonly store: ApprovalStore;
  /** The approvals of one scope that still say something about its next calls, newest first. */
  load(proxyId: string, scope: string, now: string): Promise<ApprovalRecord[]>;
  /** Uses an approved approval for one call; false when it was used already (by another call, or another process). */
  claim(id: string, at: string): boolean;
  /** Holds a new pending approval: written in the background, then the oldest beyond `maxPending` expire. */
  hold(record: ApprovalRecord, maxPending: number): void;
  /** A pending approval of this key this process has not written yet. */
  unsaved(proxyId: string, key: string, now: string): ApprovalRecord | undefined;
  /** Resolves once every approval held so far is written (the admin API lists after it). */
  settled(): Promise<void>;
  count(event: ApprovalEvent, n?: number): void;
}

/** Most approvals loaded for one scope: far more than anyone decides for one session. */
const MAX_LOADED = 500;
/** Ids used through a store that answers later: remembered, so this process never uses one twice. */
const MAX_CLAIMED = 10_000;

export function createApprovalBook(store: Store, count: (event: ApprovalEvent, n: number) => void = () => {}): ApprovalBook {
  const approvals = store.approvals ?? createMemoryApprovals();
  const unsaved = new Map<string, ApprovalRecord>();
  const writes = new Set<Promise<void>>();
  const claimed = new Set<string>();
  const report = (what: string) => (error: unknown) => console.error(`[archestra] ${what}:`, error instanceof Error ? error.message : error);

  return {
    store: approvals,
    async load(proxyId, scope, now) {
      return approvals.listApprovals({ proxyId, scope, liveAt: now, limit: MAX_LOADED });
    },
    claim(id, at) {
      if (claimed.has(id)) return false;
      let used: boolean | Promise<boolean>;
      try {
        used = approvals.consumeApproval(id, at);
      } catch (error) {
        // Not known to be used: the call stays held (fail closed).
        report('could not use an approval; the call stays held')(error);
        return false;
      }
      if (typeof used === 'boolean') {
        if (used) count('used', 1);
        return used;
      }
      // A store that answers later: this process's claim stands, and is never made twice.
      if (claimed.size >= MAX_CLAIMED) claimed.delete(claimed.values().next().value!);
      claimed.add(id);
      used.then((ok) => ok || console.error(`[archestra] approval ${id} was used by this process and, meanwhile, elsewhere`), report(`could not record approval ${id} as used`));
      count('used', 1);
      return true;
    },
    hold(record, maxPending) {
      const key = `${record.proxyId}\u0000${record.key}`;
      unsaved.set(key, record);
      count('held', 1);
      // After the answer: holding a call never waits for the store.
      const write = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => approvals.createApproval(record, maxPending))
        .then((evicted) => {
          if (evicted > 0) {
            count('evicted', evicted);
            console.error(`[archestra] ${evicted} pending approval(s) of proxy "${record.proxyId}" expired: more than policies.approvals.maxPending (${maxPending}) were waiting`);
          }
        }, report(`could not save approval ${record.id}`))
        .finally(() => {
          if (unsaved.get(key) === record) unsaved.delete(key);
          writes.delete(write);
        });
      writes.add(write);
    },
    unsaved(proxyId, key, now) {
      const record = unsaved.get(`${proxyId}\u0000${key}`);
      return record && record.expiresAt > now ? record : undefined;
    },
    async settled() {
      await Promise.all([...writes]);
    },
    count: (event, n = 1) => count(event, n),
  };
}
