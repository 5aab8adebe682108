import type { PolicyConfig } from '../policy/schema.js';
import { refusalText } from '../policy/refusal.js';
import type { ProviderAdapter } from '../providers/types.js';
import { safeParseJson } from '../providers/shared/json.js';
import { guardDataLeak } from './data-leak-stage.js';
import { guardExfilLinks } from './exfil-link-stage.js';
import type { ToolCallGuard } from './policy-stage.js';
import type { Recorder } from './record.js';

export interface AnswerContext {
  adapter: ProviderAdapter;
  operation: string;
  recorder: Recorder;
  policy: PolicyConfig;
  guard: ToolCallGuard | null;
  /** Only answers to requests with a body carry model output worth scanning. */
  scanForLeaks: boolean;
  /** The request was tainted: its answer's links are checked (`policies.exfilLinks`). */
  tainted?: boolean;
  /**
   * The answer must be JSON (model output the request asked for as JSON): a body that is not is
   * refused, since neither its calls nor its text could be judged.
   */
  strict?: boolean;
}

export type AnswerResult =
  /** Send `text` (the upstream's, or rewritten); `auditText` is what the audit row keeps. */
  | { kind: 'send'; text: string; auditText: string; rewritten: boolean }
  /** Withhold the answer: send this error instead (recorded as `outcome`, by default `ok`: the policy worked). */
  | { kind: 'refuse'; response: Response; outcome?: 'upstream_error'; error?: string };

/** Why an answer that cannot be read is refused, for the client and the audit row. */
export const UNREADABLE_ANSWER = 'The upstream answer could not be read as JSON, so the security policy could not judge it; it was withheld.';

/**
 * A complete JSON answer through the response policies: usage and model recorded, refused tool
 * calls taken out, secrets and personal data redacted or the answer withheld, and in the answer
 * to a tainted request, exfiltration links neutralised. In shadow mode the
 * client gets the upstream's bytes and only the audit row sees the redacted copy.
 */
export function applyAnswerPolicies(text: string, context: AnswerContext): AnswerResult {
  const { adapter, operation, recorder, policy, guard } = context;
  const parsed = safeParseJson(text);
  if (!parsed.success) {
    if (context.strict && policy.mode !== 'off') return { kind: 'refuse', response: adapter.errorResponse(502, UNREADABLE_ANSWER, 'upstream_error'), outcome: 'upstream_error', error: UNREADABLE_ANSWER };
    // Where no model output is expected (a list of models), a body that is not JSON passes as it is.
    return { kind: 'send', text, auditText: text, rewritten: false };
  }
  const view = adapter.readResponse(operation, parsed.value);
  recorder.usage = view.usage;
  recorder.responseModel = view.model;

  let answer = parsed.value;
  let rewritten = false;
  const blocked = guard?.judge(view) ?? [];
  guard?.remember(view);
  if (blocked.length > 0) {
    const refused = adapter.refuseToolCalls?.(operation, answer, blocked);
    // An adapter that cannot take a call out of this answer refuses the answer whole.
    if (refused === undefined) return { kind: 'refuse', response: adapter.errorResponse(403, refusalText(blocked), 'permission_error') };
    answer = refused;
    rewritten = true;
  }
  if (policy.mode === 'off' || !context.scanForLeaks) return finish(text, answer, rewritten);

  const scanned = policy.mode === 'shadow' ? structuredClone(answer) : answer;
  const leak = guardDataLeak(scanned, policy.dataLeak, 'response', recorder);
  // After the data-leak guard, so that no placeholder carries a secret from a link's text.
  const links = context.tainted || (view.hostedCalls?.length ?? 0) > 0 ? guardExfilLinks(scanned, policy.exfilLinks, recorder) : 0;
  if (leak.action === 'allow' && links === 0) return finish(text, answer, rewritten);
  if (policy.mode === 'shadow') return { kind: 'send', text, auditText: JSON.stringify(scanned), rewritten: false };
  if (leak.action === 'block') {
    return { kind: 'refuse', response: adapter.errorResponse(403, `The answer was withheld by the security policy: it contains ${leak.blockedBy.join(', ')} data.`, 'permission_error') };
  }
  return finish(text, scanned, true);
}

function finish(original: string, answer: unknown, rewritten: boolean): AnswerResult {
  const text = rewritten ? JSON.stringify(answer) : original;
  return { kind: 'send', text, auditText: text, rewritten };
}
