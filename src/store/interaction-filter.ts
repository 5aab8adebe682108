import type { InteractionQuery, InteractionRecord, PolicyDecision } from '../types.js';
import { REFUSAL_OUTCOMES } from './usage-summary.js';

/** Decision actions that refused something (a call, leaked data) or held it for a person. */
export const REFUSING_ACTIONS = ['block', 'require_approval'] as const;

/** The first decision that refused something, if any. */
export function refusingDecision(row: Pick<InteractionRecord, 'decisions'>): PolicyDecision | undefined {
  return row.decisions?.find((decision) => 'action' in decision && (REFUSING_ACTIONS as readonly string[]).includes(decision.action));
}

/** The proxy refused the request, or blocked (or held for approval) something in it or its answer. */
export function isRefused(row: Pick<InteractionRecord, 'outcome' | 'decisions'>): boolean {
  return (REFUSAL_OUTCOMES as readonly string[]).includes(row.outcome) || refusingDecision(row) !== undefined;
}

/** Every filter of the query matches the row (paging anchors are not filters: the store applies them). */
export function matchesInteraction(row: InteractionRecord, query: InteractionQuery): boolean {
  return (query.id === undefined || row.id === query.id)
    && (query.agentId === undefined || row.agentId === query.agentId)
    && (query.sessionId === undefined || row.sessionId === query.sessionId)
    && (query.proxyId === undefined || row.proxyId === query.proxyId)
    && (query.userId === undefined || row.userId === query.userId)
    && (query.executionId === undefined || row.executionId === query.executionId)
    && (query.provider === undefined || row.provider === query.provider)
    && (query.model === undefined || row.model === query.model)
    && (query.outcome === undefined || row.outcome === query.outcome)
    && (query.refused === undefined || isRefused(row) === query.refused)
    && (query.since === undefined || row.createdAt >= query.since)
    && (query.until === undefined || row.createdAt < query.until);
}
