import type { ApprovalRecord } from '../types.js';

/**
 * A decision lasts as long as the approval waited for one could have (`expiresAfterMs` when it
 * was made): an approved call unused for that long lapses, a denial stops answering for it.
 */
export function decidedExpiry(record: Pick<ApprovalRecord, 'createdAt' | 'expiresAt'>, at: string): string {
  const lifetime = Date.parse(record.expiresAt) - Date.parse(record.createdAt);
  return new Date(Date.parse(at) + Math.max(0, lifetime)).toISOString();
}

/**
 * Still says something about the next identical call: pending, approved or denied, and not past
 * its `expiresAt`. ISO-8601 times of the same form compare as strings.
 */
export function isLive(record: Pick<ApprovalRecord, 'state' | 'expiresAt'>, now: string): boolean {
  return (record.state === 'pending' || record.state === 'approved' || record.state === 'denied') && record.expiresAt > now;
}
