import { Counter, type Registry } from 'prom-client';

/** The value a label takes once its metric already has `maxLabelValues` others for it. */
export const OVERFLOW_VALUE = '__overflow__';

/** Counts observations whose label value was replaced by `OVERFLOW_VALUE`. */
export const OVERFLOW_METRIC = 'archestra_metric_label_overflows_total';

/** Longer label values are cut: one series' text must not grow with what a client sends. */
export const MAX_LABEL_VALUE_LENGTH = 256;

/**
 * Values the proxy itself sets (no agent id, model unknown, the overflow): never counted against
 * the cap, so a flood of new values can never push them into the overflow.
 */
const FIXED_VALUES = new Set(['', 'unknown', OVERFLOW_VALUE]);

/**
 * The values seen so far, per registry, by metric and label. Proxies that share a registry share
 * its series, so they share the count too.
 */
const seenByRegistry = new WeakMap<Registry, Map<string, Set<string>>>();

/** The labels to observe `metric` under: values beyond the cap replaced by the overflow value. */
export type LabelCap = <T extends Record<string, string>>(metric: string, labels: T) => T;

/**
 * Bounds the series of every metric on `registry`: each label keeps at most `maxValues` distinct
 * values per metric (first come, first kept); later new values are observed as `__overflow__`,
 * and counted in `archestra_metric_label_overflows_total{metric,label}`.
 */
export function createLabelCap(registry: Registry, maxValues: number): LabelCap {
  const overflows =
    (registry.getSingleMetric(OVERFLOW_METRIC) as Counter | undefined) ??
    new Counter({
      name: OVERFLOW_METRIC,
      help: 'Observations whose label value was counted as __overflow__: the metric already had metrics.maxLabelValues values for that label',
      labelNames: ['metric', 'label'],
      registers: [registry],
    });
  let seen = seenByRegistry.get(registry);
  if (!seen) seenByRegistry.set(registry, (seen = new Map()));
  const values = seen;

  return <T extends Record<string, string>>(metric: string, labels: T): T => {
    let capped: Record<string, string> = labels;
    const set = (label: string, value: string) => {
      if (capped === labels) capped = { ...labels };
      capped[label] = value;
    };
    for (const [label, raw] of Object.entries(labels)) {
      const value = raw.length > MAX_LABEL_VALUE_LENGTH ? raw.slice(0, MAX_LABEL_VALUE_LENGTH) : raw;
      if (value !== raw) set(label, value);
      if (FIXED_VALUES.has(value)) continue;
      const key = `${metric}\u0000${label}`;
      let known = values.get(key);
      if (!known) values.set(key, (known = new Set()));
      if (known.has(value)) continue;
      if (known.size < maxValues) {
        known.add(value);
        continue;
      }
      set(label, OVERFLOW_VALUE);
      overflows.inc({ metric, label });
    }
    return capped as T;
  };
}
