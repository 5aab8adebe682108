import type { ApprovalDecisionInput, ApprovalDecisionResult, ApprovalQuery, ApprovalRecord, ApprovalStore } from '../types.js';
import { decidedExpiry, isLive } from './approval-rules.js';

/**
 * Approvals that can no longer let a call through (`denied`, `used`, `expired`) kept for the
 * list; past this many the oldest go first. Pending ones are bounded per proxy by `maxPending`.
 */
const MAX_FINISHED = 10_000;

/**
 * Approvals in this process's memory: the in-memory store's, and the fallback for a store
 * without approvals. Indexed by scope, as the approval stage loads one scope per request.
 */
export function createMemoryApprovals(): ApprovalStore {
  /** By id, in creation order (a Map keeps insertion order). */
  const all = new Map<string, ApprovalRecord>();
  const byScope = new Map<string, Set<string>>();
  let finished = 0;

  const scopeKey = (proxyId: string, scope: string) => `${proxyId}\u0000${scope}`;

  /** One more approval finished: past `MAX_FINISHED`, the oldest finished one is forgotten. */
  function finish(): void {
    finished++;
    if (finished <= MAX_FINISHED) return;
    // Insertion order is creation order.
    for (const old of all.values()) {
      if (old.state === 'pending' || old.state === 'approved') continue;
      forget(old);
      break;
    }
  }

  function forget(record: ApprovalRecord): void {
    all.delete(record.id);
    if (record.state !== 'pending' && record.state !== 'approved') finished--;
    const ids = byScope.get(scopeKey(record.proxyId, record.scope));
    ids?.delete(record.id);
    if (ids?.size === 0) byScope.delete(scopeKey(record.proxyId, record.scope));
  }

  function setState(record: ApprovalRecord, changes: Partial<ApprovalRecord>): void {
    const wasOpen = record.state === 'pending' || record.state === 'approved';
    Object.assign(record, changes);
    if (wasOpen && record.state !== 'pending' && record.state !== 'approved') finish();
  }

  return {
    createApproval(record, maxPending) {
      if (all.has(record.id)) throw new Error(`An approval with the id ${record.id} exists.`);
      all.set(record.id, { ...record });
      const key = scopeKey(record.proxyId, record.scope);
      let ids = byScope.get(key);
      if (!ids) byScope.set(key, (ids = new Set()));
      ids.add(record.id);
      const pending = [...all.values()].filter((found) => found.proxyId === record.proxyId && found.state === 'pending');
      const over = pending.slice(0, Math.max(0, pending.length - maxPending));
      for (const old of over) setState(old, { state: 'expired', decidedAt: record.createdAt, decidedBy: 'limit' });
      return over.length;
    },
    listApprovals(query: ApprovalQuery) {
      const ids = query.scope !== undefined && query.proxyId !== undefined ? byScope.get(scopeKey(query.proxyId, query.scope)) ?? new Set<string>() : all.keys();
      const found: ApprovalRecord[] = [];
      for (const id of ids) {
        const record = all.get(id);
        if (record && matches(record, query)) found.push({ ...record });
      }
      return found.reverse().slice(0, query.limit ?? 100);
    },
    findApproval(id) {
      const record = all.get(id);
      return record && { ...record };
    },
    decideApproval(id, decision: ApprovalDecisionInput): ApprovalDecisionResult {
      const record = all.get(id);
      if (!record) return { outcome: 'unknown' };
      if (record.state === 'pending' && record.expiresAt <= decision.at) setState(record, { state: 'expired' });
      if (record.state !== 'pending') return { outcome: 'conflict', approval: { ...record } };
      setState(record, { state: decision.state, decidedAt: decision.at, decidedBy: decision.by, note: decision.note, expiresAt: decidedExpiry(record, decision.at) });
      return { outcome: 'decided', approval: { ...record } };
    },
    consumeApproval(id, at) {
      const record = all.get(id);
      if (!record || record.state !== 'approved' || record.expiresAt <= at) return false;
      setState(record, { state: 'used', usedAt: at });
      return true;
    },
    expireApprovals(now) {
      let count = 0;
      for (const record of all.values()) {
        if ((record.state === 'pending' || record.state === 'approved') && record.expiresAt <= now) {
          setState(record, { state: 'expired' });
          count++;
        }
      }
      return count;
    },
  };
}

function matches(record: ApprovalRecord, query: ApprovalQuery): boolean {
  return (query.proxyId === undefined || record.proxyId === query.proxyId)
    && (query.scope === undefined || record.scope === query.scope)
    && (query.states === undefined || query.states.includes(record.state))
    && (query.liveAt === undefined || isLive(record, query.liveAt));
}
