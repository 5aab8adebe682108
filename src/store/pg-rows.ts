import type { AnswerContextRecord, InteractionRecord, KeyBudget, VirtualKeyRecord } from '../types.js';

/** Rows as the PostgreSQL store writes and reads them: JSON fields as text, times as ISO-8601 text. */
export const INTERACTION_COLUMNS = [
  'id', 'created_at', 'proxy_id', 'provider', 'operation', 'model', 'response_model', 'agent_id', 'user_id',
  'session_id', 'execution_id', 'status', 'outcome', 'error', 'stream', 'duration_ms', 'ttft_ms',
  'input_tokens', 'output_tokens', 'request_body', 'response_body', 'auth_method', 'virtual_key_id', 'decisions',
  'answer_id', 'answer_context', 'upstream_attempts', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens', 'cost_usd',
  'requested_model', 'compressed_tokens_saved', 'attempt_of',
] as const;

export const KEY_COLUMNS = ['id', 'name', 'key_hash', 'key_prefix', 'providers', 'proxy_ids', 'sealed_secrets', 'created_at', 'expires_at', 'revoked_at', 'budgets'] as const;

export type KeyRow = Record<(typeof KEY_COLUMNS)[number], string | null>;

/** BIGINT columns come back as text (they may exceed 2^53): the token counts never do. */
export type Row = Record<(typeof INTERACTION_COLUMNS)[number], string | number | boolean | null>;

/**
 * PostgreSQL text holds no NUL character, which the proxy's counter keys use as a separator and a
 * client may send in a body. A key (looked up again) is escaped one-to-one; a text kept for
 * reading has each NUL replaced by U+FFFD, so no row is ever refused for its content.
 */
export function pgKey(key: string): string {
  return key.includes('\u0000') || key.includes('\\') ? key.replace(/\\/g, '\\\\').replace(/\u0000/g, '\\0') : key;
}

export function pgText<T extends string | null | undefined>(text: T): T {
  return (typeof text === 'string' && text.includes('\u0000') ? text.replace(/\u0000/g, '\uFFFD') : text) as T;
}

const count = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

export function toRow(record: InteractionRecord): Row {
  const row: Row = {
    id: record.id, created_at: record.createdAt, proxy_id: record.proxyId, provider: record.provider,
    operation: record.operation, model: record.model, response_model: record.responseModel,
    agent_id: record.agentId, user_id: record.userId, session_id: record.sessionId, execution_id: record.executionId,
    status: record.status, outcome: record.outcome, error: record.error, stream: record.stream,
    duration_ms: record.durationMs, ttft_ms: record.timeToFirstTokenMs, input_tokens: record.inputTokens,
    output_tokens: record.outputTokens, request_body: record.requestBody, response_body: record.responseBody,
    auth_method: record.authMethod, virtual_key_id: record.virtualKeyId,
    decisions: record.decisions && JSON.stringify(record.decisions),
    answer_id: record.answerId == null ? null : pgKey(record.answerId), answer_context: record.answerContext ? JSON.stringify(record.answerContext) : null,
    upstream_attempts: record.upstreamAttempts ?? null,
    cache_read_tokens: record.cacheReadTokens ?? null, cache_write_tokens: record.cacheWriteTokens ?? null,
    reasoning_tokens: record.reasoningTokens ?? null, cost_usd: record.costUsd ?? null,
    requested_model: record.requestedModel ?? null, compressed_tokens_saved: record.compressedTokensSaved ?? null,
    attempt_of: record.attemptOf ?? null,
  };
  for (const [column, value] of Object.entries(row)) if (typeof value === 'string' && column !== 'answer_id') row[column as keyof Row] = pgText(value);
  return row;
}

export function fromRow(row: Row): InteractionRecord {
  return {
    id: String(row.id), createdAt: String(row.created_at), proxyId: String(row.proxy_id),
    provider: row.provider as InteractionRecord['provider'], operation: row.operation as string | null,
    model: row.model as string | null, responseModel: row.response_model as string | null,
    agentId: row.agent_id as string | null, userId: row.user_id as string | null,
    sessionId: row.session_id as string | null, executionId: row.execution_id as string | null,
    status: Number(row.status), outcome: row.outcome as InteractionRecord['outcome'], error: row.error as string | null,
    stream: row.stream === true, durationMs: Number(row.duration_ms), timeToFirstTokenMs: row.ttft_ms as number | null,
    inputTokens: count(row.input_tokens), outputTokens: count(row.output_tokens),
    requestBody: row.request_body as string | null, responseBody: row.response_body as string | null,
    authMethod: row.auth_method as string | null, virtualKeyId: row.virtual_key_id as string | null,
    decisions: row.decisions === null ? null : (JSON.parse(String(row.decisions)) as InteractionRecord['decisions']),
    answerId: row.answer_id as string | null,
    answerContext: row.answer_context === null ? null : (JSON.parse(String(row.answer_context)) as AnswerContextRecord),
    upstreamAttempts: row.upstream_attempts as number | null,
    cacheReadTokens: count(row.cache_read_tokens), cacheWriteTokens: count(row.cache_write_tokens),
    reasoningTokens: count(row.reasoning_tokens), costUsd: row.cost_usd as number | null,
    requestedModel: row.requested_model as string | null, compressedTokensSaved: count(row.compressed_tokens_saved),
    attemptOf: row.attempt_of as string | null,
  };
}

export function toKeyRow(record: VirtualKeyRecord): KeyRow {
  return {
    id: record.id, name: record.name, key_hash: record.keyHash, key_prefix: record.keyPrefix,
    providers: record.providers && JSON.stringify(record.providers), proxy_ids: record.proxyIds && JSON.stringify(record.proxyIds),
    sealed_secrets: record.sealedSecrets, created_at: record.createdAt, expires_at: record.expiresAt, revoked_at: record.revokedAt,
    budgets: record.budgets && record.budgets.length > 0 ? JSON.stringify(record.budgets) : null,
  };
}

export function fromKeyRow(row: KeyRow): VirtualKeyRecord {
  return {
    id: String(row.id), name: String(row.name), keyHash: String(row.key_hash), keyPrefix: String(row.key_prefix),
    providers: row.providers === null ? null : (JSON.parse(row.providers) as VirtualKeyRecord['providers']),
    proxyIds: row.proxy_ids === null ? null : (JSON.parse(row.proxy_ids) as string[]),
    sealedSecrets: row.sealed_secrets, createdAt: String(row.created_at), expiresAt: row.expires_at, revokedAt: row.revoked_at,
    budgets: row.budgets === null ? null : (JSON.parse(row.budgets) as KeyBudget[]),
  };
}
