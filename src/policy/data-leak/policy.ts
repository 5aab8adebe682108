import { DETECTORS, type DetectorId } from './detectors.js';
import type { DataLeakAction, DataLeakConfig } from './schema.js';
import { compileDetectors, type DetectorSet } from './scan.js';

/** A data-leak configuration resolved once: the action of each detector, and the detectors to run. */
export interface DataLeakPolicy {
  readonly actions: Readonly<Record<DetectorId, DataLeakAction>>;
  /** Detectors whose action is not `off`. */
  readonly enabled: DetectorSet;
  readonly redact: ReadonlySet<DetectorId>;
  readonly block: ReadonlySet<DetectorId>;
}

export function resolveDataLeakPolicy(config: DataLeakConfig): DataLeakPolicy {
  const actions = {} as Record<DetectorId, DataLeakAction>;
  const redact = new Set<DetectorId>();
  const block = new Set<DetectorId>();
  for (const detector of DETECTORS) {
    const action = config.detectors?.[detector.id] ?? (detector.kind === 'secret' ? config.secrets : config.pii);
    actions[detector.id] = action;
    if (action === 'redact') redact.add(detector.id);
    if (action === 'block') block.add(detector.id);
  }
  return { actions, enabled: compileDetectors([...redact, ...block]), redact, block };
}

export interface DataLeakVerdict {
  /** `block` when any finding's detector blocks; `redact` when there are findings to redact; else `allow`. */
  readonly action: 'allow' | 'redact' | 'block';
  /** Detectors that blocked, each once, in table order. */
  readonly blockedBy: readonly DetectorId[];
  /** Detectors whose findings are redacted, each once, in table order. */
  readonly redactedBy: readonly DetectorId[];
}

/** What the findings of one request or answer call for. */
export function decideDataLeak(findings: readonly { readonly detector: DetectorId }[], policy: DataLeakPolicy): DataLeakVerdict {
  const seen = new Set(findings.map((finding) => finding.detector));
  const blockedBy = DETECTORS.filter((d) => seen.has(d.id) && policy.block.has(d.id)).map((d) => d.id);
  const redactedBy = DETECTORS.filter((d) => seen.has(d.id) && policy.redact.has(d.id)).map((d) => d.id);
  return { action: blockedBy.length > 0 ? 'block' : redactedBy.length > 0 ? 'redact' : 'allow', blockedBy, redactedBy };
}
