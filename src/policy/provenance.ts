import { safeParseJson } from '../providers/shared/json.js';
import type { ArgumentProvenance, ContextVerdict } from './types.js';

/**
 * Values that name where an action goes or whom it touches: email addresses, URLs and domains,
 * phone and account numbers, paths. These are what an injected instruction needs to control.
 */
const TARGET_PATTERN = /@|:\/\/|^www\.|\.[a-z]{2,}(\/|$)|\d{6,}|^[A-Z]{2}\d{2}[A-Z0-9 ]{10,}$|^\/|\\/i;

/**
 * Traces each target-like string in a tool call's arguments to the message it came from. A value
 * counts as trusted when the user, the system or a trusted tool wrote it; untrusted when it
 * appears only in untrusted content; unknown when it appears nowhere.
 */
export function traceArguments(argumentsJson: string, verdict: ContextVerdict): ArgumentProvenance[] {
  const parsed = safeParseJson(argumentsJson);
  if (!parsed.success) return [{ path: '$', value: argumentsJson.slice(0, 200), source: 'unknown' }];
  const traces: ArgumentProvenance[] = [];
  for (const [path, value] of stringLeaves(parsed.value, '$')) {
    if (!TARGET_PATTERN.test(value)) continue;
    traces.push(trace(path, value, verdict));
  }
  return traces;
}

function trace(path: string, value: string, verdict: ContextVerdict): ArgumentProvenance {
  const needle = value.toLowerCase();
  const trusted = verdict.trustedTexts.find((entry) => entry.text.toLowerCase().includes(needle));
  if (trusted) return { path, value, source: 'trusted', messageIndex: trusted.messageIndex };
  const untrusted = verdict.untrustedTexts.find((entry) => entry.text.toLowerCase().includes(needle));
  if (untrusted) return { path, value, source: 'untrusted', messageIndex: untrusted.messageIndex };
  return { path, value, source: 'unknown' };
}

function* stringLeaves(value: unknown, path: string): Generator<[string, string]> {
  if (typeof value === 'string') {
    yield [path, value.trim()];
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* stringLeaves(item, `${path}[${index}]`);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) yield* stringLeaves(item, `${path}.${key}`);
  }
}
