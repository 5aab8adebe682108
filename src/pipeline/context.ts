import type { RequestContext } from '../types.js';

/** Each id: 1-256 characters from a conservative set; never `/`, spaces, or control characters. */
const ID_PATTERN = /^[A-Za-z0-9._~:@+=-]{1,256}$/;

const HEADERS = {
  agentId: 'x-archestra-agent-id',
  userId: 'x-archestra-user-id',
  sessionId: 'x-archestra-session-id',
  executionId: 'x-archestra-execution-id',
} as const;

export const META_HEADER = 'x-archestra-meta';

/** The product's newer name for the execution id header: accepted as its alias. */
const RUN_ID_HEADER = 'x-archestra-run-id';

export type ContextResult = { success: true; context: RequestContext } | { success: false; message: string };

/**
 * Reads the `X-Archestra-*` headers (`X-Archestra-Run-Id` as an alias of `X-Archestra-Execution-Id`). `X-Archestra-Meta: <agent-id>/<execution-id>/<session-id>`
 * fills what the individual headers leave out; individual headers win. A malformed value is an
 * error, never silently dropped, so a typo cannot split an agent's audit trail.
 */
export function parseContext(headers: Headers): ContextResult {
  const context: RequestContext = {};
  const meta = headers.get(META_HEADER);
  // An empty Meta is absent, like an empty individual header (header values arrive trimmed).
  if (meta !== null && meta !== '') {
    const segments = meta.split('/');
    if (segments.length !== 3) {
      return { success: false, message: `X-Archestra-Meta must be "<agent-id>/<execution-id>/<session-id>" (three segments, any may be empty); got ${segments.length} segment(s).` };
    }
    const [agentId, executionId, sessionId] = segments as [string, string, string];
    for (const [field, value] of [['agentId', agentId], ['executionId', executionId], ['sessionId', sessionId]] as const) {
      if (value === '') continue;
      if (!ID_PATTERN.test(value)) return { success: false, message: invalidMessage('X-Archestra-Meta', field) };
      context[field] = value;
    }
  }
  const execution = headers.get(HEADERS.executionId) || null;
  const run = headers.get(RUN_ID_HEADER) || null;
  if (execution !== null && run !== null && execution !== run) {
    return { success: false, message: 'X-Archestra-Run-Id and X-Archestra-Execution-Id name the same id and differ; send one of them (or the same value in both).' };
  }
  for (const [field, name] of Object.entries(HEADERS) as [keyof RequestContext, string][]) {
    // An alias counts as its header, and its errors name it.
    const alias = field === 'executionId' && execution === null && run !== null;
    const value = alias ? run : headers.get(name);
    if (value === null || value === '') continue;
    if (!ID_PATTERN.test(value)) return { success: false, message: invalidMessage(displayName(alias ? RUN_ID_HEADER : name), field) };
    context[field] = value;
  }
  return { success: true, context };
}

/** True for every header the proxy reads for itself and never forwards upstream. */
export function isArchestraHeader(name: string): boolean {
  return name.startsWith('x-archestra-');
}

function invalidMessage(header: string, field: string): string {
  return `Invalid ${header} (${field}): use 1-256 characters from A-Z a-z 0-9 . _ ~ : @ + = - (no "/", spaces or control characters).`;
}

function displayName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
}
