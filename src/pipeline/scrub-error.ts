import type { PolicyConfig } from '../policy/schema.js';
import { safeParseJson } from '../providers/shared/json.js';
import { guardDataLeak } from './data-leak-stage.js';
import type { Recorder } from './record.js';

const REDACTED_KEY = '[REDACTED:upstream_key]';

/**
 * An upstream error body on its way to the client and the audit row: the key the upstream got
 * (the client's own, or a provider secret the client must never see) is taken out wherever the
 * upstream quotes it, and a JSON body passes the data-leak guard like an answer. The status and
 * the error's shape stay, so the SDK still raises its own error class.
 */
export function scrubErrorBody(text: string, upstreamKey: string | undefined, policy: PolicyConfig, recorder: Recorder): string {
  // A key is long and specific; a short one could match ordinary words of the message.
  let scrubbed = upstreamKey && upstreamKey.length >= 8 ? text.replaceAll(upstreamKey, REDACTED_KEY) : text;
  if (policy.mode === 'off') return scrubbed;
  const parsed = safeParseJson(scrubbed);
  if (!parsed.success) return scrubbed;
  // Whatever the policy says of answers, a secret in an error is redacted (an error is not withheld).
  const leak = guardDataLeak(parsed.value, policy.dataLeak, 'response', recorder);
  if (leak.action !== 'allow') scrubbed = JSON.stringify(parsed.value);
  return scrubbed;
}
