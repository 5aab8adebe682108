import type { AuditLogLimits } from '../store/audit-log.js';
import type { AuditMetrics } from '../telemetry/audit-metrics.js';

/** Why a request is refused while the audit trail cannot be written (`audit.onFailure: 'refuse'`). */
export const AUDIT_UNAVAILABLE = 'The audit trail cannot be written at the moment, so the proxy takes no new requests; retry shortly.';

export interface AuditAlerts extends Pick<AuditLogLimits, 'onDropped' | 'onRecovered'> {
  onError(error: unknown): void;
}

/**
 * What the operator hears of a failing audit trail: every failed write and dropped row counted
 * (`archestra_audit_*` metrics), and one log line when writes start failing, when rows start
 * being dropped, and when writes succeed again (not one per retry). A line holds the store's
 * error message only: never a row, a body or a key.
 */
export function createAuditAlerts(metrics: AuditMetrics, onFailure: 'refuse' | 'continue'): AuditAlerts {
  let failing = false;
  let dropping = false;
  const meanwhile = onFailure === 'refuse' ? 'new requests are refused with 503 meanwhile' : 'answers still go out meanwhile (audit.onFailure: continue)';
  return {
    onError(error) {
      metrics.countAuditWriteFailure();
      if (failing) return;
      failing = true;
      console.error(`[archestra] audit rows cannot be written (${error instanceof Error ? error.message : String(error)}); they are kept and retried every second, and ${meanwhile}.`);
    },
    onDropped(rows) {
      metrics.countAuditRowsDropped(rows);
      if (dropping) return;
      dropping = true;
      console.error('[archestra] the audit queue is full (audit.maxQueuedRows / audit.maxQueuedBytes): rows are being lost; see archestra_audit_rows_dropped_total.');
    },
    onRecovered(failedWrites) {
      failing = false;
      dropping = false;
      console.error(`[archestra] audit rows are written again, after ${failedWrites} failed attempts.`);
    },
  };
}
