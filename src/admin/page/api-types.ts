/** The admin API's JSON shapes (the contract of /work/brief/s5/admin-api.md), as the page reads them. */
import type { PolicyDecision } from '../../policy/types.js';
import type { KeyBudget, ProviderName } from '../../types.js';

export type { PolicyDecision, ProviderName };

export interface ApiError {
  error?: { message?: string; field?: string };
}

export interface Profile {
  id: string;
  source: 'config' | 'store';
  readOnly: boolean;
  description?: string;
  createdAt?: string;
  /** The URL an SDK's base URL is set to, per provider. */
  connect: Partial<Record<string, string>>;
  config: Record<string, unknown>;
}

export interface InteractionSummary {
  id: string;
  startedAt: string;
  durationMs: number | null;
  provider: string | null;
  model: string | null;
  operation: string | null;
  proxyId: string | null;
  agentId: string | null;
  userId: string | null;
  sessionId: string | null;
  executionId: string | null;
  outcome: string;
  status: number;
  refused: boolean;
  refusalReason: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
}

export interface InteractionPage {
  interactions: InteractionSummary[];
  nextCursor: string | null;
}

/** One interaction in full: the audit row. */
export interface Interaction {
  id: string;
  createdAt: string;
  proxyId: string;
  provider: string | null;
  operation: string | null;
  model: string | null;
  responseModel: string | null;
  agentId: string | null;
  userId: string | null;
  sessionId: string | null;
  executionId: string | null;
  status: number;
  outcome: string;
  error: string | null;
  stream: boolean;
  durationMs: number;
  timeToFirstTokenMs: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens?: number | null;
  cacheWriteTokens?: number | null;
  reasoningTokens?: number | null;
  costUsd?: number | null;
  requestBody: string | null;
  responseBody: string | null;
  authMethod: string | null;
  virtualKeyId: string | null;
  decisions: PolicyDecision[] | null;
  upstreamAttempts?: number | null;
}

export interface KeyRecord {
  id: string;
  name: string;
  proxyId?: string | null;
  proxyIds?: string[] | null;
  keyPrefix?: string;
  createdAt: string;
  revokedAt?: string | null;
  expiresAt?: string | null;
  budget?: unknown;
  budgets?: KeyBudget[] | null;
}

export interface UsageRow {
  key: string;
  requests: number;
  refusals?: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
}

/** A tool call held for a person (the store's record, without its internal key). */
export interface Approval {
  id: string;
  proxyId: string;
  scope: string;
  tool: string;
  /** Canonical JSON. */
  arguments: string;
  reason: string;
  ruleId: string;
  state: 'pending' | 'approved' | 'denied' | 'used' | 'expired';
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
  note: string | null;
  usedAt: string | null;
  interactionId: string | null;
}
