import { type DataLeakPolicy, decideDataLeak, resolveDataLeakPolicy, scanJson } from '../policy/data-leak/index.js';
import type { DataLeakConfig } from '../policy/data-leak/schema.js';
import type { Recorder } from './record.js';

/** Decisions kept per request and direction; a body full of addresses must not make a huge row. */
const MAX_RECORDED = 50;

const resolved = new WeakMap<DataLeakConfig, DataLeakPolicy>();

export interface DataLeakOutcome {
  action: 'allow' | 'redact' | 'block';
  /** Detectors that blocked. */
  blockedBy: readonly string[];
}

/**
 * Scans a JSON body (a request, or an answer) for secrets and personal data. Findings are
 * replaced in place with `[REDACTED:<detector>]`, so the JSON stays valid; with `block`, the caller
 * refuses the body, which by then holds no secret either (the audit row keeps the redacted copy).
 */
export function guardDataLeak(json: unknown, config: DataLeakConfig, direction: 'request' | 'response', recorder: Recorder): DataLeakOutcome {
  let policy = resolved.get(config);
  if (!policy) {
    policy = resolveDataLeakPolicy(config);
    resolved.set(config, policy);
  }
  if (policy.redact.size === 0 && policy.block.size === 0) return { action: 'allow', blockedBy: [] };
  const { findings } = scanJson(json, policy.enabled, { redact: true });
  if (findings.length === 0) return { action: 'allow', blockedBy: [] };
  for (const finding of findings.slice(0, MAX_RECORDED)) {
    recorder.decisions.push({ kind: 'data_leak', direction, detector: finding.detector, path: finding.path, action: policy.block.has(finding.detector) ? 'block' : 'redact' });
  }
  const verdict = decideDataLeak(findings, policy);
  return { action: verdict.action, blockedBy: verdict.blockedBy };
}
