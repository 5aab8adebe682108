import { Counter, Gauge, type Metric, type Registry } from 'prom-client';

/** The audit trail's alerts: a failing store is never silent. */
export interface AuditMetrics {
  /** A write of queued rows failed (its rows are kept and retried). */
  countAuditWriteFailure(): void;
  /** Rows that found no room in the queue and were lost. */
  countAuditRowsDropped(rows: number): void;
  /** An answer withheld (JSON: a 503; a stream: an error event at its end) because its row could not be committed. */
  countWithheldAnswer(provider: string): void;
  /** Reads the rows waiting to be written at each scrape. */
  watchAuditQueue(rows: () => number): void;
}

/** The queues each registry's gauge sums: several proxies may share one registry. */
const queuesByRegistry = new WeakMap<Registry, (() => number)[]>();

function existing<T extends Metric>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

/** No label comes from a client: these series are few and fixed (provider is one of ours). */
export function createAuditMetrics(registry: Registry): AuditMetrics {
  const failures = existing<Counter>(registry, 'archestra_audit_write_failures_total') ?? new Counter({
    name: 'archestra_audit_write_failures_total',
    help: 'Audit writes that failed (their rows are kept and retried)',
    registers: [registry],
  });
  const dropped = existing<Counter>(registry, 'archestra_audit_rows_dropped_total') ?? new Counter({
    name: 'archestra_audit_rows_dropped_total',
    help: 'Audit rows lost because the queue of rows waiting to be written was full',
    registers: [registry],
  });
  const withheld = existing<Counter>(registry, 'archestra_audit_withheld_answers_total') ?? new Counter({
    name: 'archestra_audit_withheld_answers_total',
    help: 'Answers withheld because their audit row could not be written (audit.onFailure refuse)',
    labelNames: ['provider'],
    registers: [registry],
  });
  let sources = queuesByRegistry.get(registry);
  if (!sources) {
    sources = [];
    queuesByRegistry.set(registry, sources);
  }
  const summed = sources;
  const queued = existing<Gauge>(registry, 'archestra_audit_queued_rows') ?? new Gauge({
    name: 'archestra_audit_queued_rows',
    help: 'Audit rows waiting to be written',
    registers: [registry],
    collect() {
      this.set(summed.reduce((sum, rows) => sum + rows(), 0));
    },
  });
  void queued;
  return {
    countAuditWriteFailure: () => failures.inc(),
    countAuditRowsDropped: (rows) => dropped.inc(rows),
    countWithheldAnswer: (provider) => withheld.inc({ provider }),
    watchAuditQueue: (rows) => void summed.push(rows),
  };
}
