/**
 * The exfiltration-link guard: in answers to tainted requests, markdown images and links, autolinks
 * and HTML tags whose address leaves for a host that is not allowed are neutralised (replaced by
 * `[image removed: <host>]`, `[link removed: <host>]`). Built as one more detector of the
 * data-leak machinery, so JSON answers and streams (a link split across deltas) are handled by the
 * same scanners and stream redactor. Pure and synchronous.
 */
import { createExfilLinkDetector, type ExfilLinkId } from './detector.js';
import { compileAllowlist } from './hosts.js';
import type { ExfilLinksConfig } from './schema.js';
import type { DetectorSet } from '../data-leak/scan.js';

export { createExfilLinkDetector, EXFIL_LINK, type ExfilLinkId, removedHost } from './detector.js';
export { compileAllowlist, type HostAllowlist, judgeAddress, normalizeDomainPattern } from './hosts.js';
export { type LinkFinding, neutralizeAnswerLinks } from './scan-answer.js';
export { type ExfilLinksConfig, type ExfilLinksConfigInput, exfilLinksSchema } from './schema.js';

const resolved = new WeakMap<ExfilLinksConfig, DetectorSet<ExfilLinkId> | null>();

/** The detector of a configuration, built once per configuration object; null when the guard is off. */
export function exfilLinkDetector(config: ExfilLinksConfig): DetectorSet<ExfilLinkId> | null {
  let set = resolved.get(config);
  if (set === undefined) {
    set = config.action === 'off' ? null : createExfilLinkDetector(compileAllowlist(config.allowedDomains));
    resolved.set(config, set);
  }
  return set;
}
