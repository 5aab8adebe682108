import { createMemoryApprovals } from '../store/memory-approvals.js';
import type { ApprovalRecord, ApprovalStore, Store } from '../types.js';

/** Approval events counted in `llm_tool_approvals_total`. */
export type ApprovalEvent = 'held' | 'used' | 'denied' | 'evicted';

/**
 * The proxy's approvals: the store's (or, for a store without them, this process's memory). New
 * approvals are written in the background, so that holding a call never waits for the store; a
 * request that loaded its approvals before one was held finds it here, and reuses it.
 */
export interface ApprovalBook {
  readonly store: ApprovalStore;
  /**
   * The approvals of one scope that still say something about its next calls, newest first, once
   * every approval this process held so far is written; `since` marks the moment, for `heldSince`.
   */
  load(proxyId: string, scope: string, now: string): Promise<{ approvals: ApprovalRecord[]; since: number }>;
  /** Uses an approved approval for one call; false when it was used already (by another call, or another process). */
  claim(id: string, at: string): boolean;
  /** Holds a new pending approval: written in the background, then the oldest beyond `maxPending` expire. */
  hold(record: ApprovalRecord, maxPending: number): void;
  /** A pending approval of this key this process held after `load` marked `since` (which the loaded list may lack). */
  heldSince(proxyId: string, key: string, since: number, now: string): ApprovalRecord | undefined;
  /** Resolves once every approval held so far is written (the admin API lists after it). */
  settled(): Promise<void>;
  count(event: ApprovalEvent, n?: number): void;
}

/** Most approvals loaded for one scope: far more than anyone decides for one session. */
const MAX_LOADED = 500;
/** Ids used through a store that answers later: remembered, so this process never uses one twice. */
const MAX_CLAIMED = 10_000;
/** Approvals held lately, for the requests loaded before they were written; the oldest forgotten first. */
const MAX_RECENT = 10_000;

export function createApprovalBook(store: Store, count: (event: ApprovalEvent, n: number) => void = () => {}): ApprovalBook {
  const approvals = store.approvals ?? createMemoryApprovals();
  const recent = new Map<string, { record: ApprovalRecord; held: number }>();
  let holds = 0;
  const writes = new Set<Promise<void>>();
  const claimed = new Set<string>();
  const report = (what: string) => (error: unknown) => console.error(`[archestra] ${what}:`, error instanceof Error ? error.message : error);

  return {
    store: approvals,
    async load(proxyId, scope, now) {
      // Writes are rare (a held call) and quick: waiting for them makes the list whole for this process.
      await Promise.all([...writes]);
      const since = holds;
      return { approvals: await approvals.listApprovals({ proxyId, scope, liveAt: now, limit: MAX_LOADED }), since };
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
      recent.delete(key);
      if (recent.size >= MAX_RECENT) recent.delete(recent.keys().next().value!);
      recent.set(key, { record, held: ++holds });
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
        .finally(() => writes.delete(write));
      writes.add(write);
    },
    heldSince(proxyId, key, since, now) {
      const found = recent.get(`${proxyId}\u0000${key}`);
      return found && found.held > since && found.record.expiresAt > now ? found.record : undefined;
    },
    async settled() {
      await Promise.all([...writes]);
    },
    count: (event, n = 1) => count(event, n),
  };
}
