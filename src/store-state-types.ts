/**
 * The state a `Store` keeps besides the audit rows and keys: approvals held for a person, rate-limit
 * and budget counters, and usage summaries. Public types (re-exported by `types.ts`), for custom stores.
 */

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

/**
 * A proxy profile created at run time (`POST /admin/api/profiles`), served like a configured one
 * at `/<provider>/<id>/...`. Its settings never hold provider keys: those stay in the configuration.
 */
export interface ProfileRecord {
  /** The profile id, as `profiles.<id>` in the configuration. */
  id: string;
  description: string | null;
  /** Its settings as written (`auth`, `policies`, `limits`: the configuration's profile fields, defaults not filled in). */
  config: Record<string, unknown>;
  /** ISO-8601 times. */
  createdAt: string;
  updatedAt: string;
}

/** Proxy profiles created at run time. Every method may answer synchronously or with a promise. */
export interface ProfileStore {
  /** Every stored profile, oldest first. */
  listProfiles(): ProfileRecord[] | Promise<ProfileRecord[]>;
  findProfile(id: string): ProfileRecord | undefined | Promise<ProfileRecord | undefined>;
  /** Saves a new profile; false (nothing saved) when one has its id already. */
  createProfile(record: ProfileRecord): boolean | Promise<boolean>;
  /** Replaces a profile's description and settings; undefined when none has that id. */
  updateProfile(id: string, change: Pick<ProfileRecord, 'description' | 'config' | 'updatedAt'>): ProfileRecord | undefined | Promise<ProfileRecord | undefined>;
  /** false when none has that id. */
  deleteProfile(id: string): boolean | Promise<boolean>;
}
