import { isRefused, refusingDecision } from '../store/interaction-filter.js';
import type { InteractionRecord, Store } from '../types.js';
import { adminError } from './admin-error.js';
import { interactionsQuery } from './schemas.js';
import { parseQuery } from './validate.js';

/** One row of the interactions log, without its bodies and decisions. */
export interface InteractionSummary {
  id: string;
  startedAt: string;
  durationMs: number;
  provider: string | null;
  model: string | null;
  operation: string | null;
  proxyId: string;
  agentId: string | null;
  userId: string | null;
  sessionId: string | null;
  executionId: string | null;
  outcome: string;
  status: number;
  stream: boolean;
  /** The proxy refused the request, or blocked (or held for approval) something in it or its answer. */
  refused: boolean;
  /** Why: the first refusing decision's reason (and rule), else the row's error. */
  refusalReason: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
}

/**
 * `GET /admin/api/interactions?...` (newest first; `nextCursor` pages to older rows, `after`
 * polls newer ones) and `GET /admin/api/interactions/{id}` (the whole row, bodies as stored).
 */
export async function handleInteractions(request: Request, segments: readonly string[], store: Store): Promise<Response> {
  if (request.method !== 'GET') return adminError(405, `${request.method} is not served here; use GET.`, { allow: 'GET' });
  if (segments.length === 1 && segments[0]) {
    const [row] = await store.listInteractions({ id: segments[0], limit: 1 });
    if (!row) return adminError(404, `No interaction has the id ${segments[0]} (or it has left the store's window).`);
    return Response.json({ interaction: { ...row, refused: isRefused(row), refusalReason: refusalReason(row) } });
  }
  if (segments.length !== 0) return adminError(404, 'Unknown admin path: use /admin/api/interactions[/{id}].');
  const query = parseQuery(interactionsQuery, request);
  if (query.error) return query.error;
  const { from, to, cursor, after, limit, ...filters } = query.data;
  const rows = await store.listInteractions({
    ...filters, limit,
    ...(from !== undefined ? { since: from } : {}),
    ...(to !== undefined ? { until: to } : {}),
    ...(cursor !== undefined ? { before: cursor } : {}),
    ...(after !== undefined ? { after } : {}),
  } as Parameters<Store['listInteractions']>[0]);
  // Polling with `after` walks forward: no older page to offer.
  const nextCursor = after === undefined && rows.length === limit ? rows[rows.length - 1]!.id : null;
  return Response.json({ interactions: rows.map(summary), nextCursor });
}

export function summary(row: InteractionRecord): InteractionSummary {
  return {
    id: row.id, startedAt: row.createdAt, durationMs: row.durationMs,
    provider: row.provider, model: row.model, operation: row.operation, proxyId: row.proxyId,
    agentId: row.agentId, userId: row.userId, sessionId: row.sessionId, executionId: row.executionId,
    outcome: row.outcome, status: row.status, stream: row.stream,
    refused: isRefused(row), refusalReason: refusalReason(row),
    inputTokens: row.inputTokens, outputTokens: row.outputTokens, costUsd: row.costUsd ?? null,
  };
}

function refusalReason(row: InteractionRecord): string | null {
  const decision = refusingDecision(row);
  if (decision) {
    const reason = 'reason' in decision && typeof decision.reason === 'string' ? decision.reason : `${decision.kind} ${'detector' in decision ? decision.detector : ''}`.trim();
    const rule = 'ruleId' in decision ? ` (rule ${decision.ruleId})` : '';
    return `${'tool' in decision ? `${decision.tool}: ` : ''}${reason}${rule}`;
  }
  return isRefused(row) ? row.error : null;
}
