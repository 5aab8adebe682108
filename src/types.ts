/** Public types. Implementation types live next to their modules. */
import type { ContextVerdict, PolicyDecision } from './policy/types.js';
import type { BlockedCall } from './policy/refusal.js';

export type { PolicyDecision } from './policy/types.js';
import type { ApprovalStore, BudgetCounters, ProfileStore, RateCounters, UsageQuery, UsageSummary } from './store-state-types.js';
export type { ProfileRecord, ProfileStore } from './store-state-types.js';
export type { ApprovalState, ApprovalRecord, ApprovalQuery, ApprovalDecisionResult, ApprovalDecisionInput, ApprovalStore, RateBucket, RateHold, RateAdmission, RateVerdict, RateCounters, BudgetCounter, BudgetReservation, BudgetVerdict, BudgetSpend, BudgetCounters, UsageDimension, UsageQuery, UsageSummary } from './store-state-types.js';
export { USAGE_DIMENSIONS } from './store-state-types.js';

export type ProviderName = 'openai' | 'anthropic' | 'gemini' | 'vllm' | 'ollama';

export const PROVIDER_NAMES: readonly ProviderName[] = ['openai', 'anthropic', 'gemini', 'vllm', 'ollama'];

/** Who is calling, from the `X-Archestra-*` headers. Every field is optional. */
export interface RequestContext {
  agentId?: string;
  userId?: string;
  sessionId?: string;
  executionId?: string;
}

/** How a request ended, as recorded in the audit trail. */
export type Outcome =
  | 'ok'
  | 'upstream_error'
  | 'upstream_unreachable'
  | 'client_aborted'
  | 'rejected'
  /** Refused with 429 by a rate limit (`limits.rate`); the decision names the limit. */
  | 'rate_limited'
  /** Refused with 402 by a budget (`limits.budgets`); the decision names the budget. */
  | 'over_budget'
  /**
   * Not ended yet: written when the request went to its upstream (status 0), and replaced by
   * its terminal row. Left in the trail only by a process that died meanwhile (see `takesStartedRows`).
   */
  | 'started';

/**
 * What the proxy knew when it judged an answer that can be read back by id (the Responses API's
 * stored and background responses): when it is read back (`GET /responses/{id}`, a resumed
 * stream), its calls are judged in the same context. With `audit.bodies: false` the texts are
 * left out and only the trust flags are kept.
 */
export interface AnswerContextRecord {
  verdict: ContextVerdict;
  /** The request declared tools: an unknown call shape is refused. */
  hasTools: boolean;
  /** The calls refused when the answer was judged. */
  refused: BlockedCall[];
}

/** One row of the audit trail: one per request the proxy handled. */
export interface InteractionRecord {
  id: string;
  /** ISO-8601 time the request arrived. */
  createdAt: string;
  /** The proxy profile that served the request (`default` when the URL named none). */
  proxyId: string;
  provider: ProviderName | null;
  /** The provider operation, e.g. `chat`, `models`. */
  operation: string | null;
  /** The model the client asked for. */
  model: string | null;
  /** The model the upstream said it used, when it said. */
  responseModel: string | null;
  agentId: string | null;
  userId: string | null;
  sessionId: string | null;
  executionId: string | null;
  /** HTTP status sent to the client. */
  status: number;
  outcome: Outcome;
  /** A short, secret-free reason when the outcome is not `ok`. */
  error: string | null;
  stream: boolean;
  /** Request receipt to the last byte sent. */
  durationMs: number;
  /** Upstream call to the first streamed chunk; null when not streaming. */
  timeToFirstTokenMs: number | null;
  /** Prompt tokens as the provider reports them (Anthropic's leave the cache reads and writes out). */
  inputTokens: number | null;
  /** Answer tokens, reasoning included. */
  outputTokens: number | null;
  /** Prompt tokens read from the provider's prompt cache, where reported. */
  cacheReadTokens?: number | null;
  /** Prompt tokens written to the provider's prompt cache (Anthropic), where reported. */
  cacheWriteTokens?: number | null;
  /** Of the answer's tokens, the reasoning ones, where reported apart (OpenAI, Gemini). */
  reasoningTokens?: number | null;
  /**
   * What the usage cost, in US dollars (`pricing.models`, else the bundled price table). Null
   * when no usage was reported or the model's price is not known: unknown, never 0.
   */
  costUsd?: number | null;
  requestBody: string | null;
  responseBody: string | null;
  /** How the caller authenticated: `provider_key`, `virtual_key`, `jwt`, `configured_key` (no credential sent), `none` (no key at all, for a provider that needs none), or null when refused before. */
  authMethod: string | null;
  /** The virtual key used, by id (never the key). */
  virtualKeyId: string | null;
  /** The answer's own id, when it can be read back later (a Responses API response). */
  answerId?: string | null;
  /** What the proxy knew when it judged that answer: read back later, it is judged the same way. */
  answerContext?: AnswerContextRecord | null;
  /** Every policy decision taken on the request and its answer (rule, tool, action, reason). */
  decisions: PolicyDecision[] | null;
  /** Requests sent upstream for it (more than 1 when retried: `upstream.retries`); null when never forwarded. */
  upstreamAttempts?: number | null;
}

/**
 * Which rows `listInteractions` gives, newest first (by arrival, then by insertion). Every filter
 * given must match. `before` and `after` page by an anchor row's position, so paging is stable
 * while new rows arrive.
 */
export interface InteractionQuery {
  /** @default 100 */
  limit?: number;
  /** The one row with this id. */
  id?: string;
  agentId?: string;
  sessionId?: string;
  proxyId?: string;
  userId?: string;
  executionId?: string;
  provider?: ProviderName;
  /** The model the client asked for. */
  model?: string;
  outcome?: Outcome;
  /**
   * Only rows the proxy refused (outcome `rejected`, `rate_limited`, `over_budget`) or whose
   * request or answer had something blocked (a tool call, leaked data) or held for approval.
   */
  refused?: boolean;
  /** ISO-8601: rows that arrived at or after it. */
  since?: string;
  /** ISO-8601: rows that arrived before it. */
  until?: string;
  /** The next page: rows listed after the row with this id (older). An id no longer stored gives none (older rows leave first). */
  before?: string;
  /**
   * Live polling: rows newer than the row with this id, the oldest `limit` of them (still listed
   * newest first), so polling again with the newest id misses none. An id no longer stored: the newest rows.
   */
  after?: string;
}

/**
 * A virtual key's own budget (`keys create --budget 50usd/month`): US dollars or tokens over a
 * rolling window (`1h`...`30d`) or a calendar one in UTC (`day`, `week`, `month`).
 */
export type KeyBudget = ({ usd: number; tokens?: undefined } | { tokens: number; usd?: undefined }) & { window: '1h' | '24h' | '7d' | '30d' | 'day' | 'week' | 'month' };

/** A virtual key as stored: the key itself only as its SHA-256, provider secrets sealed. */
export interface VirtualKeyRecord {
  id: string;
  name: string;
  /** SHA-256 of the key, hex. */
  keyHash: string;
  /** The key's first characters, to recognise it in a list. */
  keyPrefix: string;
  /** Providers it may call; null for any. */
  providers: ProviderName[] | null;
  /** Proxy profiles it may use; null for any. */
  proxyIds: string[] | null;
  /** Provider secrets, sealed with AES-256-GCM under the master key; null when it has none. */
  sealedSecrets: string | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  /** Its own budgets, on top of the configured `limits.budgets`; null or absent for none. */
  budgets?: KeyBudget[] | null;
}

/** Where the proxy keeps its state: a bounded window in memory by default, or a SQLite file (better-sqlite3). */
export interface Store {
  /** Writes a batch of rows in one transaction. */
  saveInteractions(rows: readonly InteractionRecord[]): void | Promise<void>;
  /**
   * Writes a batch of rows synchronously, skipping rows already saved (by id). Used when the
   * process exits, where nothing asynchronous runs any more; a store without it writes at a
   * natural end only.
   */
  saveInteractionsSync?(rows: readonly InteractionRecord[]): void;
  /**
   * True when the store takes a request's `started` row and then its terminal row with the same
   * id, keeping the terminal one (and never a started row over a terminal one). The proxy sends
   * started rows only to such a store; the built-in stores are.
   */
  readonly takesStartedRows?: boolean;
  /** Newest first. */
  listInteractions(query?: InteractionQuery): Promise<InteractionRecord[]>;
  saveVirtualKey(record: VirtualKeyRecord): void | Promise<void>;
  findVirtualKeyByHash(keyHash: string): VirtualKeyRecord | undefined | Promise<VirtualKeyRecord | undefined>;
  listVirtualKeys(): VirtualKeyRecord[] | Promise<VirtualKeyRecord[]>;
  /** Marks a key revoked; false when no key has that id. */
  revokeVirtualKey(id: string, revokedAt: string): boolean | Promise<boolean>;
  /** Remembers that a session read untrusted content; a store without it keeps taint in memory only. */
  markSessionTainted?(proxyId: string, sessionId: string, reason: string): void | Promise<void>;
  isSessionTainted?(proxyId: string, sessionId: string): boolean | Promise<boolean>;
  /**
   * The context an answer that can be read back by id was judged in (saved with its interaction
   * row, `answerContext`); without it, only this process remembers, and an answer read back
   * elsewhere is judged as untrusted.
   */
  findAnswerContext?(proxyId: string, answerId: string): AnswerContextRecord | undefined | Promise<AnswerContextRecord | undefined>;
  /**
   * Tool calls held for a person's decision (`require_approval`). A store without them keeps
   * approvals in this process's memory only (the CLI cannot see them then).
   */
  approvals?: ApprovalStore;
  /** Rate-limit counters; a store without them keeps them in this process's memory only. */
  rateCounters?: RateCounters;
  /** Budget counters; a store without them keeps them in this process's memory only. */
  budgetCounters?: BudgetCounters;
  /**
   * Proxy profiles created at run time (the admin API); served beside the configured ones. A
   * store without them serves the configured profiles only.
   */
  profiles?: ProfileStore;
  /** Usage summed per group over a window, without loading the rows (`archestra-proxy usage`). */
  summarizeUsage?(query: UsageQuery): UsageSummary[] | Promise<UsageSummary[]>;
  close(): void | Promise<void>;
}
