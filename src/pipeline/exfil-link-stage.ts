import { exfilLinkDetector, neutralizeAnswerLinks } from '../policy/exfil-links/index.js';
import type { ExfilLinksConfig } from '../policy/exfil-links/schema.js';
import type { Recorder } from './record.js';

/** Decisions kept per answer; an answer full of links must not make a huge row. */
const MAX_RECORDED = 50;

/**
 * Neutralises exfiltration links in a JSON answer (in place) and records each as a `data_leak`
 * decision of detector `exfil_link` with its host. Returns how many were neutralised. Called only
 * for answers to tainted requests.
 */
export function guardExfilLinks(answer: unknown, config: ExfilLinksConfig, recorder: Recorder): number {
  const set = exfilLinkDetector(config);
  if (!set) return 0;
  const findings = neutralizeAnswerLinks(answer, set);
  for (const { path, host } of findings.slice(0, MAX_RECORDED)) {
    recorder.decisions.push({ kind: 'data_leak', direction: 'response', detector: 'exfil_link', path, action: 'redact', host });
  }
  return findings.length;
}
