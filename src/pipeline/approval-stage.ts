import { randomBytes } from 'node:crypto';
import type { PolicyConfig } from '../policy/schema.js';
import type { ToolCallDecision } from '../policy/types.js';
import type { ToolCallView } from '../providers/types.js';
import type { ApprovalRecord } from '../types.js';
import type { ApprovalBook } from './approval-book.js';
import { approvalKey, canonicalArguments, shownArguments } from './approval-key.js';

/** Turns the policy's `require_approval` into what a person decided, for one request's answer. */
export interface ApprovalGate {
  /** Synchronous, as the guard is: an approved call passes (used once), else it stays held. */
  settle(decision: ToolCallDecision, call: ToolCallView): ToolCallDecision;
}

export interface ApprovalGateInput {
  book: ApprovalBook;
  proxyId: string;
  scope: string;
  policy: PolicyConfig;
  /** The audit row of this request: the approval points to it. */
  interactionId: string;
}

/**
 * Loads the scope's approvals before the answer arrives (the guard that judges it is
 * synchronous), and decides each `require_approval` call from them: approved and unused, it
 * passes and the approval is used; denied, it stays refused and says by whom; otherwise it is
 * held under the pending approval of the same call, or a new one.
 */
export async function loadApprovalGate(input: ApprovalGateInput): Promise<ApprovalGate> {
  const { book, proxyId, scope } = input;
  const { approvals: loaded, since } = await book.load(proxyId, scope, new Date().toISOString());
  return {
    settle(decision, call) {
      if (decision.action !== 'require_approval') return decision;
      const now = new Date().toISOString();
      const canonical = canonicalArguments(call.arguments);
      const key = approvalKey(proxyId, scope, call.name, canonical);
      const mine = loaded.filter((record) => record.key === key && record.expiresAt > now);
      for (const record of mine) {
        if (record.state !== 'approved' || !book.claim(record.id, now)) continue;
        record.state = 'used';
        return { ...decision, action: 'allow', reason: `${decision.reason}; approved by ${record.decidedBy} (${record.id}), used once`, approval: { id: record.id, state: 'approved', decidedBy: record.decidedBy ?? 'unknown' } };
      }
      const latest = book.heldSince(proxyId, key, since, now) ?? mine.find((record) => record.state === 'pending' || record.state === 'denied');
      if (latest?.state === 'denied') {
        book.count('denied');
        const by = latest.decidedBy ?? 'unknown';
        return { ...decision, action: 'require_approval', reason: `"${call.name}" was denied by ${by} (${latest.id})${latest.note ? `: ${latest.note}` : ''}`, approval: { id: latest.id, state: 'denied', decidedBy: by } };
      }
      const pending = latest ?? hold(input, decision, call.name, canonical, key, now);
      return { ...decision, reason: awaiting(decision.reason, pending.id), approval: { id: pending.id, state: 'pending' } };
    },
  };
}

function hold(input: ApprovalGateInput, decision: ToolCallDecision, tool: string, canonical: string, key: string, now: string): ApprovalRecord {
  const { expiresAfterMs, maxPending } = input.policy.approvals;
  const record: ApprovalRecord = {
    id: `apr_${randomBytes(12).toString('base64url')}`, proxyId: input.proxyId, scope: input.scope, key, tool,
    arguments: shownArguments(canonical), reason: decision.reason, ruleId: decision.ruleId, state: 'pending', createdAt: now,
    expiresAt: new Date(Date.parse(now) + expiresAfterMs).toISOString(), decidedAt: null, decidedBy: null, note: null, usedAt: null,
    interactionId: input.interactionId,
  };
  input.book.hold(record, maxPending);
  return record;
}

/** What the agent reads: that the call waits for a person, the approval's id, and what to do next. */
function awaiting(reason: string, id: string): string {
  return `${reason}. It awaits a person's approval (${id}): a person approves it with "archestra-proxy approvals approve ${id}" or POST /admin/api/approvals/${id}/approve, and then the same call, with the same arguments in the same session, passes once`;
}
