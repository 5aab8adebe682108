/** Public types. Implementation types live next to their modules. */
import type { ContextVerdict, PolicyDecision } from './policy/types.js';
import type { BlockedCall } from './policy/refusal.js';

export type { PolicyDecision } from './policy/types.js';

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

export interface InteractionQuery {
  limit?: number;
  agentId?: string;
  sessionId?: string;
  proxyId?: string;
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

/**
 * Where an approval stands. `pending`: waiting for a person; `approved`: the next identical call
 * may pass, once; `denied`: identical calls stay refused; `used`: the approved call went out;
 * `expired`: nobody decided in time, an approval was not used in time, or the pending bound
 * (`policies.approvals.maxPending`) pushed it out.
 */
export type ApprovalState = 'pending' | 'approved' | 'denied' | 'used' | 'expired';

/** A tool call held for a person's decision (`require_approval`), and what became of it. */
export interface ApprovalRecord {
  /** `apr_<random>`: what the agent is told, and what a person approves. */
  id: string;
  proxyId: string;
  /** Whose calls it covers: `session:<id>`, else `agent:<id>`, else the authenticated caller (`key:`, `user:`, `caller:`), else `anonymous`. */
  scope: string;
  /** SHA-256 of proxy id, scope, tool and canonical arguments: an identical call has the same key. */
  key: string;
  tool: string;
  /** The call's arguments as canonical JSON (sorted keys), for the person deciding; cut at 64 KiB. */
  arguments: string;
  /** Why the policy asked for approval, and which rule did. */
  reason: string;
  ruleId: string;
  state: ApprovalState;
  /** ISO-8601 times. */
  createdAt: string;
  /** When a pending approval lapses; once decided, when the decision lapses. */
  expiresAt: string;
  decidedAt: string | null;
  /** Who approved or denied it (`by` of the endpoint or the CLI), or `limit` when the pending bound expired it. */
  decidedBy: string | null;
  note: string | null;
  usedAt: string | null;
  /** The audit row of the request whose answer held the call. */
  interactionId: string | null;
}

export interface ApprovalQuery {
  proxyId?: string;
  scope?: string;
  /** Any of these states; all when absent. */
  states?: readonly ApprovalState[];
  /** With it, `pending`, `approved` and `denied` approvals past their `expiresAt` are left out. */
  liveAt?: string;
  /** @default 100 */
  limit?: number;
}

/** What deciding an approval did: `unknown` id, or `conflict` when it was no longer pending. */
export type ApprovalDecisionResult =
  | { outcome: 'decided'; approval: ApprovalRecord }
  | { outcome: 'conflict'; approval: ApprovalRecord }
  | { outcome: 'unknown' };

export interface ApprovalDecisionInput {
  state: 'approved' | 'denied';
  by: string;
  note: string | null;
  /** ISO-8601; the decision lasts as long as the approval was pending for (`expiresAfterMs`). */
  at: string;
}

/**
 * Pending approvals, kept by a store. Every method may answer synchronously (the built-in stores
 * do: the approval stage then consumes an approval atomically before the answer goes out) or
 * with a promise.
 */
export interface ApprovalStore {
  /** Saves a new pending approval; then expires the oldest pending of its proxy beyond `maxPending`. Resolves with how many it expired. */
  createApproval(record: ApprovalRecord, maxPending: number): number | Promise<number>;
  /** Newest first. */
  listApprovals(query: ApprovalQuery): ApprovalRecord[] | Promise<ApprovalRecord[]>;
  findApproval(id: string): ApprovalRecord | undefined | Promise<ApprovalRecord | undefined>;
  /** Approves or denies a pending approval that has not lapsed, atomically. */
  decideApproval(id: string, decision: ApprovalDecisionInput): ApprovalDecisionResult | Promise<ApprovalDecisionResult>;
  /** Marks an approved, unlapsed approval `used`; true only for the one caller that did (a second use needs a new approval). */
  consumeApproval(id: string, at: string): boolean | Promise<boolean>;
  /** Marks `pending` and `approved` approvals past their `expiresAt` `expired`; resolves with how many. */
  expireApprovals(now: string): number | Promise<number>;
}

/**
 * A token bucket of a rate limit (`limits.rate`), kept as the time it is full again (GCRA): it
 * holds `limit` units and refills at `limit` per `windowMs`. A request is admitted while the
 * bucket holds at least one unit; `cost` units are taken then (1 for requests, 0 for tokens,
 * whose count is known only once the answer ends and is taken with `spend`).
 */
export interface RateBucket {
  key: string;
  limit: number;
  windowMs: number;
  cost: number;
}

/** A cap on requests held at once under `key`, from admission to the end of the answer. */
export interface RateHold {
  key: string;
  max: number;
}

export interface RateAdmission {
  /** Milliseconds since the epoch: every process sharing a store must use the same clock. */
  now: number;
  buckets: readonly RateBucket[];
  holds: readonly RateHold[];
  /** The id the holds are taken under (given back with `release`). */
  holdId: string;
  /** Who holds them (one per proxy): `renew` extends all of an owner's holds at once. */
  owner: string;
  /** A hold not renewed by then is given back (its process died). */
  holdUntil: number;
}

/** Admitted (every bucket charged, every hold taken), or refused by the first limit that has no room (nothing charged). */
export type RateVerdict =
  | { admitted: true }
  | { admitted: false; kind: 'bucket' | 'hold'; index: number; retryAfterMs: number };

/**
 * Rate-limit counters (`limits.rate`), atomic per call: an admission checks and charges every
 * limit of a request at once, so two processes sharing a store cannot both take the last unit.
 * A store without them keeps the counters in this process's memory only.
 */
export interface RateCounters {
  admit(admission: RateAdmission): RateVerdict | Promise<RateVerdict>;
  /** Takes `cost` units from each bucket (tokens once the answer is known); a bucket may go below empty. */
  spend(buckets: readonly RateBucket[], now: number): void | Promise<void>;
  /** Gives back every hold taken under `holdId`. */
  release(holdId: string): void | Promise<void>;
  /**
   * Extends the holds of `owner` still taken to `until` (its requests are alive); may forget, on
   * the way, what no longer counts at `now` (full buckets, lapsed holds).
   */
  renew(owner: string, until: number, now: number): void | Promise<void>;
}

/**
 * One budget counter a request is checked against (`limits.budgets`): spend is kept per slot of
 * time, so a window is the sum of its slots; reservations are held apart until settled.
 */
export interface BudgetCounter {
  /** Profile, budget, unit and scope value. */
  key: string;
  /** Most spend (and reservations) the window may hold, in the counter's unit (tokens or US dollars). */
  limit: number;
  /** Spend kept under a slot at or after this time (ms) is in the window. */
  from: number;
  /** The slot (ms) spend made now is kept under. */
  slot: number;
  /** What the request reserves: its worst case. */
  amount: number;
}

export interface BudgetReservation {
  /** Milliseconds since the epoch: every process sharing a store must use the same clock. */
  now: number;
  counters: readonly BudgetCounter[];
  /** The id the reservations are held under (settled with `settle`). */
  id: string;
  /** Who holds them (one per proxy): `renew` extends all of an owner's reservations at once. */
  owner: string;
  /** A reservation not renewed by then lapses (its process died). */
  until: number;
}

/** Reserved on every counter, or refused by the first that has no room (nothing reserved). */
export type BudgetVerdict = { reserved: true } | { reserved: false; index: number; spent: number; held: number };

/** Real spend, kept under the slot of the time it was made. */
export interface BudgetSpend {
  key: string;
  slot: number;
  amount: number;
}

/**
 * Budget counters (`limits.budgets`), atomic per call: a reservation checks every budget of a
 * request and reserves on all of them or none, so concurrent requests (and processes sharing a
 * store) cannot together overshoot one. A store without them keeps them in this process only.
 */
export interface BudgetCounters {
  reserve(reservation: BudgetReservation): BudgetVerdict | Promise<BudgetVerdict>;
  /** Drops the reservations held under `id` and adds the real spend (none: given back whole). */
  settle(id: string, spent: readonly BudgetSpend[]): void | Promise<void>;
  /** Extends the reservations of `owner` to `until`; may forget, on the way, spend older than any window at `now`. */
  renew(owner: string, until: number, now: number): void | Promise<void>;
  /** Spend kept under `key` at or after `from`, by slot, oldest first (when a rolling window frees room). */
  spentSince(key: string, from: number): { slot: number; amount: number }[] | Promise<{ slot: number; amount: number }[]>;
}

/** What usage can be grouped by: agent id, virtual key id, model asked for, UTC day, user id, session id, provider. */
export const USAGE_DIMENSIONS = ['agent', 'key', 'model', 'day', 'user', 'session', 'provider'] as const;
export type UsageDimension = (typeof USAGE_DIMENSIONS)[number];

export interface UsageQuery {
  /** ISO-8601: rows that arrived at or after it. @default every row */
  since?: string;
  /** ISO-8601: rows that arrived before it. @default every row */
  until?: string;
  /** Groups, in order; none: one group for everything. */
  by: readonly UsageDimension[];
}

/** One group's usage. Token counts sum what providers reported (rows without usage add nothing). */
export interface UsageSummary {
  /** The group's value per dimension of `by` (null: the rows carried none, e.g. no agent id). */
  group: Partial<Record<UsageDimension, string | null>>;
  requests: number;
  /** Requests the proxy refused (policy, rate limit, budget). */
  refusals: number;
  /** The sum of the known costs, in US dollars. */
  costUsd: number;
  /** Requests whose usage was reported but whose cost is not known (no price): counted apart, never as 0. */
  unpriced: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  reasoningTokens: number;
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
  /** Usage summed per group over a window, without loading the rows (`archestra-proxy usage`). */
  summarizeUsage?(query: UsageQuery): UsageSummary[] | Promise<UsageSummary[]>;
  close(): void | Promise<void>;
}
