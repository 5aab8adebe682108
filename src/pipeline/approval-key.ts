import { createHash } from 'node:crypto';
import type { Recorder } from './record.js';

/** Longest arguments text an approval shows a person; the key covers all of it. */
const MAX_SHOWN_ARGUMENTS = 64 * 1024;

/**
 * The arguments as canonical JSON (object keys sorted, no spaces), so that the same call written
 * with its keys in another order or other spacing is the same call. Text that is not JSON is
 * taken as it is.
 */
export function canonicalArguments(text: string): string {
  try {
    return JSON.stringify(sortKeys(JSON.parse(text)));
  } catch {
    return text;
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  return sorted;
}

/** What an approval shows of the arguments. */
export function shownArguments(canonical: string): string {
  return canonical.length > MAX_SHOWN_ARGUMENTS ? `${canonical.slice(0, MAX_SHOWN_ARGUMENTS)}…` : canonical;
}

/** The identity of a call for approvals: an identical call (same proxy, scope, tool, arguments) has the same key. */
export function approvalKey(proxyId: string, scope: string, tool: string, canonical: string): string {
  return createHash('sha256').update(JSON.stringify([proxyId, scope, tool, canonical])).digest('hex');
}

/**
 * Whose calls an approval covers: the session (`X-Archestra-Session-Id`) when the request names
 * one, else the agent, else the authenticated caller (virtual key, JWT subject, or the provider
 * key's hash: never the key), else `anonymous` (every caller of the profile that names nothing).
 */
export function approvalScope(recorder: Recorder, caller: string): string {
  const { sessionId, agentId, userId } = recorder.context;
  if (sessionId) return `session:${sessionId}`;
  if (agentId) return `agent:${agentId}`;
  if (recorder.virtualKeyId) return `key:${recorder.virtualKeyId}`;
  if (recorder.authMethod === 'jwt' && userId) return `user:${userId}`;
  if (recorder.authMethod === 'provider_key' && caller) return `caller:${createHash('sha256').update(caller).digest('hex').slice(0, 16)}`;
  return 'anonymous';
}
