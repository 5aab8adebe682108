import { randomUUID } from 'node:crypto';
import type { Span } from '@opentelemetry/api';
import type { PriceBook } from '../pricing/price-book.js';
import type { Usage } from '../providers/types.js';
import type { AuditLog } from '../store/audit-log.js';
import type { ProxyMetrics } from '../telemetry/metrics.js';
import * as semconv from '../telemetry/semconv.js';
import { decisionAttributes } from '../telemetry/decision-attributes.js';
import { endLlmSpan, startLlmSpan } from '../telemetry/tracing.js';
import type { AnswerContextRecord, InteractionRecord, Outcome, PolicyDecision, ProviderName, RequestContext } from '../types.js';

export interface RecorderDeps {
  metrics: ProxyMetrics;
  auditLog: AuditLog;
  keepBodies: boolean;
  maxBodyBytes: number;
  /**
   * When a row cannot be committed (`audit.onFailure`): `refuse` withholds the answer, `continue`
   * lets it go out (the row stays queued for the next try). @default 'refuse'
   */
  onAuditFailure?: 'refuse' | 'continue';
  /** Prices the usage each answer reports; without one, no cost is recorded. */
  prices?: PriceBook;
}

/** Why an answer was withheld when its row could not be committed. */
export const AUDIT_FAILED = 'The audit trail could not be written, so the answer was withheld.';

export interface Finish {
  status: number;
  outcome: Outcome;
  error?: string | null;
  /** The client already has the status (a stream): withheld, the row keeps it rather than 503. */
  answerStarted?: boolean;
}

/** The `error.type` of the span of an answer withheld because its row could not be committed. */
export const AUDIT_FAILED_ERROR_TYPE = 'audit_write_failed';

/**
 * Collects what one request did and, once it ends, writes it everywhere: the interaction row,
 * the metrics and the span. `finish()` runs once whatever the path (answered, refused, aborted),
 * so every request leaves exactly one row.
 */
export class Recorder {
  readonly id = randomUUID();
  private readonly createdAt = new Date().toISOString();
  private readonly receivedAt: number;
  private upstreamStartedAt: number | null = null;
  private firstTokenAt: number | null = null;
  private firstByteAt: number | null = null;
  private span: Span | null = null;
  private finished = false;
  private rowCommitted: Promise<boolean> | undefined;
  private requestBody: string | null = null;
  private secrets: string[] = [];
  private responseParts: string[] = [];
  private responseBytes = 0;
  /** The stream's audit copy reached `maxBodyBytes`: the rest is not kept. */
  private responseCut = false;

  proxyId = 'default';
  provider: ProviderName | null = null;
  operation: string | null = null;
  /** The model sent upstream (a model rule may have chosen it). */
  model: string | null = null;
  /** The model the client asked for. */
  requestedModel: string | null = null;
  responseModel: string | null = null;
  stream = false;
  context: RequestContext = {};
  usage: Usage = { inputTokens: null, outputTokens: null };
  authMethod: string | null = null;
  virtualKeyId: string | null = null;
  /** Set when the answer can be read back by id: the context it was judged in. */
  answerId: string | null = null;
  answerContext: AnswerContextRecord | null = null;
  readonly decisions: PolicyDecision[] = [];
  /** Requests sent upstream (retries included); null until forwarded. */
  upstreamAttempts: number | null = null;
  /** Prompt tokens saved by TOON tool results (estimated); null when none were compressed. */
  compressedTokensSaved: number | null = null;
  /** The request's own row, when this one records a failed attempt of it (the model router's fallbacks). */
  attemptOf: string | null = null;
  /** The cost of the usage reported, in US dollars, once finished: null when none was reported or its price is not known. */
  costUsd: number | null = null;
  private priced = false;
  /** How the request ended, once it has (read by `onFinish`: a budget settles by it). */
  outcome: Outcome | null = null;
  /** Runs once the request has ended (its row is queued): gives back its in-flight place. */
  onFinish: (() => void) | null = null;

  constructor(private readonly deps: RecorderDeps, receivedAt: number) {
    this.receivedAt = receivedAt;
  }

  /**
   * A row of its own for one attempt of this request (a router deployment that failed before
   * answering), begun at `startedAt`, linked to this one, with its caller and context.
   */
  attempt(startedAt: number): Recorder {
    const attempt = new Recorder(this.deps, startedAt);
    attempt.attemptOf = this.id;
    attempt.proxyId = this.proxyId;
    attempt.operation = this.operation;
    attempt.stream = this.stream;
    attempt.context = this.context;
    attempt.authMethod = this.authMethod;
    attempt.virtualKeyId = this.virtualKeyId;
    attempt.secrets = this.secrets;
    return attempt;
  }

  /** Opens the span once provider, operation and model are known. */
  startSpan(serverAddress: string): void {
    const attributes: Record<string, string | boolean> = {
      [semconv.ATTR_GEN_AI_SYSTEM]: this.provider ?? 'unknown',
      [semconv.ATTR_GEN_AI_PROVIDER_NAME]: this.provider ?? 'unknown',
      [semconv.ATTR_GEN_AI_OPERATION_NAME]: this.operation ?? 'unknown',
      [semconv.ATTR_GEN_AI_REQUEST_STREAMING]: this.stream,
      [semconv.ATTR_ARCHESTRA_PROXY_ID]: this.proxyId,
    };
    if (serverAddress) attributes[semconv.ATTR_SERVER_ADDRESS] = serverAddress;
    if (this.model) attributes[semconv.ATTR_GEN_AI_REQUEST_MODEL] = this.model;
    if (this.context.sessionId) attributes[semconv.ATTR_GEN_AI_CONVERSATION_ID] = this.context.sessionId;
    if (this.context.agentId) {
      attributes[semconv.ATTR_GEN_AI_AGENT_ID] = this.context.agentId;
      attributes[semconv.ATTR_ARCHESTRA_EXTERNAL_AGENT_ID] = this.context.agentId;
    }
    if (this.context.userId) attributes[semconv.ATTR_ARCHESTRA_USER_ID] = this.context.userId;
    if (this.context.executionId) attributes[semconv.ATTR_ARCHESTRA_EXECUTION_ID] = this.context.executionId;
    this.span = startLlmSpan(`${this.operation ?? 'request'} ${this.model ?? this.provider ?? ''}`.trim(), attributes);
  }

  /**
   * The keys this request carries (the client's credential, the key sent upstream): wherever a
   * body or error quotes one, the audit row has `[REDACTED:credential]` instead. Short values
   * are not taken: they could match ordinary words.
   */
  setSecrets(...values: (string | undefined)[]): void {
    this.secrets = values.filter((value): value is string => value !== undefined && value.length >= MIN_SECRET_LENGTH);
  }

  setRequestBody(body: string): void {
    if (this.deps.keepBodies) this.requestBody = this.cut(this.redact(body));
  }

  private redact(text: string): string {
    let redacted = text;
    for (const secret of this.secrets) if (redacted.includes(secret)) redacted = redacted.replaceAll(secret, REDACTED_CREDENTIAL);
    return redacted;
  }

  /**
   * Appends to the recorded response body (the stream as the client saw it), up to `maxBodyBytes`
   * UTF-8 bytes: what goes past it is never kept, however long the stream runs.
   */
  appendResponseBody(text: string): void {
    if (!this.deps.keepBodies || this.responseCut) return;
    const room = this.deps.maxBodyBytes - this.responseBytes;
    const kept = utf8Head(text, room);
    this.responseCut = kept !== text;
    this.responseParts.push(kept);
    this.responseBytes += Buffer.byteLength(kept);
  }

  /** The upstream is tried again, for `reason` (`http_503`, `connection_refused`, ...): counted at once. */
  countRetry(reason: string): void {
    if (this.provider) this.deps.metrics.countUpstreamRetry(this.provider, reason);
  }

  /**
   * The request goes to its upstream: its `started` row is queued (written with the next commit,
   * or dropped for its terminal row if that comes first), so a process that dies before the
   * request ends still shows it.
   */
  markUpstreamStart(now: number): void {
    this.upstreamStartedAt = now;
    this.deps.auditLog.start(this.toRecord(0, 'started', null, now - this.receivedAt, null));
  }

  markFirstToken(now: number): void {
    this.firstTokenAt ??= now;
  }

  markFirstByte(now: number): void {
    this.firstByteAt ??= now;
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /**
   * Once finished, with `audit.durability: 'commit'`: resolves with true when the answer may go
   * out (its row is committed, or `audit.onFailure` is `continue`), false when it must be
   * withheld (the row says so already). The client's answer (a JSON body, a stream's last event
   * and its end) waits for it.
   */
  get committed(): Promise<boolean> | undefined {
    return this.rowCommitted;
  }

  finish({ status, outcome, error = null, answerStarted = false }: Finish, now: number): void {
    if (this.finished) return;
    this.finished = true;
    this.outcome = outcome;
    // First, so nothing below can keep the place taken (the row is queued before anyone waiting wakes).
    this.onFinish?.();
    const durationMs = now - this.receivedAt;
    const ttftMs = this.stream && this.firstTokenAt !== null && this.upstreamStartedAt !== null ? this.firstTokenAt - this.upstreamStartedAt : null;
    // A request refused before it was forwarded still gets its span.
    if (!this.span && this.provider) this.startSpan('');
    this.priceUsage();
    const row = this.toRecord(status, outcome, error, durationMs, ttftMs);
    const appended = this.deps.auditLog.append(row);
    if (!appended) {
      this.report(status, error, durationMs, ttftMs);
      return;
    }
    // Metrics and span wait for the commit: an answer withheld for want of its row says so.
    this.rowCommitted = appended.then((committed) => {
      const withheld = !committed && this.deps.onAuditFailure !== 'continue' && outcome !== 'client_aborted';
      if (withheld) {
        // The row, still queued for the next try, records what the client got instead: a 503,
        // or the stream's own status (its last events replaced by an error event).
        row.status = answerStarted ? status : 503;
        row.outcome = 'rejected';
        row.error = AUDIT_FAILED;
        this.deps.metrics.countWithheldAnswer(this.provider ?? 'unknown');
      }
      this.report(row.status, row.error, durationMs, ttftMs, withheld);
      return !withheld;
    });
  }

  /**
   * What the usage reported cost, by the model asked for, else the one that answered (a dated
   * snapshot of it). Null when no usage was reported, or neither model has a known price. Once
   * finished, worked out once (the row and a budget's settlement both ask).
   */
  priceUsage(): number | null {
    if (this.finished && this.priced) return this.costUsd;
    this.costUsd = this.usageCost();
    this.priced = this.finished;
    return this.costUsd;
  }

  private usageCost(): number | null {
    const { prices } = this.deps;
    if (!prices || !this.provider || !hasUsage(this.usage)) return null;
    for (const model of [this.model, this.responseModel]) {
      if (model === null) continue;
      const usd = prices.cost(this.provider, model, this.usage);
      if (usd !== null) return usd;
    }
    return null;
  }


  /** The request's metrics and the end of its span, with the status the client got. */
  private report(status: number, error: string | null, durationMs: number, ttftMs: number | null, withheld = false): void {
    this.observeMetrics(status, durationMs, ttftMs);
    this.endSpan(status, error, withheld);
  }

  private observeMetrics(status: number, durationMs: number, ttftMs: number | null): void {
    if (!this.provider) return;
    const { metrics } = this.deps;
    // The agent id and model are the client's word: a client whose credential was not accepted
    // names no series (a stranger's requests would otherwise add one each).
    const proven = this.authMethod !== null && !(this.authMethod === 'provider_key' && status === 401);
    const agentId = proven ? (this.context.agentId ?? '') : '';
    const labels = { provider: this.provider, model: proven ? (this.model ?? 'unknown') : 'unknown', external_agent_id: agentId };
    metrics.observeRequest(labels, status, durationMs / 1000);
    metrics.observeTokens(labels, this.usage.inputTokens, this.usage.outputTokens);
    if (this.costUsd !== null) metrics.observeCost(labels, this.costUsd);
    // A model without a price costs something nobody sees: counted, so an operator adds its price.
    else if (this.deps.prices && hasUsage(this.usage)) metrics.countUnknownCost(this.provider, labels.model);
    if (ttftMs !== null) metrics.observeTimeToFirstToken(labels, ttftMs / 1000);
    if (this.firstByteAt !== null) metrics.observeTimeToFirstByte(labels, (this.firstByteAt - this.receivedAt) / 1000);
    if (this.usage.outputTokens && this.upstreamStartedAt !== null && this.firstTokenAt !== null) {
      const seconds = (this.receivedAt + durationMs - this.upstreamStartedAt) / 1000;
      if (seconds > 0) metrics.observeTokensPerSecond(labels, this.usage.outputTokens / seconds);
    }
    if (this.compressedTokensSaved) metrics.countCompressedTokensSaved(labels, this.compressedTokensSaved);
    if (proven && this.context.executionId) metrics.countExecution(agentId, this.context.executionId);
    for (const decision of this.decisions) {
      if (decision.kind === 'tool_call' && decision.action === 'block') metrics.countBlockedToolCall(labels, decision.ruleId);
      if (decision.kind === 'data_leak') metrics.countDataLeak(labels, decision.detector, decision.action, decision.direction);
      if (decision.kind === 'dual_llm') metrics.countDualLlm(labels, decision.ruleId, decision.outcome);
      if (decision.kind === 'rate_limit' && decision.outcome === 'limited') metrics.countRateLimited(this.provider, decision.ruleId, decision.limit);
      if (decision.kind === 'budget') metrics.countBudgetRefused(this.provider, decision.budgetId, decision.outcome);
      if (decision.kind === 'model_rule') metrics.countModelRewrite(this.provider, decision.ruleId);
    }
  }

  private endSpan(status: number, error: string | null, withheld: boolean): void {
    if (!this.span) return;
    const attributes: Record<string, string | number> = { [semconv.ATTR_HTTP_RESPONSE_STATUS_CODE]: status };
    if (this.responseModel) attributes[semconv.ATTR_GEN_AI_RESPONSE_MODEL] = this.responseModel;
    if (this.usage.inputTokens !== null) attributes[semconv.ATTR_GEN_AI_USAGE_INPUT_TOKENS] = this.usage.inputTokens;
    if (this.usage.outputTokens !== null) attributes[semconv.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = this.usage.outputTokens;
    if (this.usage.cacheReadTokens) attributes[semconv.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = this.usage.cacheReadTokens;
    if (this.usage.cacheWriteTokens) attributes[semconv.ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] = this.usage.cacheWriteTokens;
    if (this.usage.reasoningTokens) attributes[semconv.ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = this.usage.reasoningTokens;
    if (this.costUsd !== null) attributes[semconv.ATTR_ARCHESTRA_COST_USD] = this.costUsd;
    if (error) attributes[semconv.ATTR_ERROR_TYPE] = withheld ? AUDIT_FAILED_ERROR_TYPE : status >= 500 ? 'upstream_error' : String(status);
    for (const decision of this.decisions) this.span.addEvent('archestra.policy.decision', decisionAttributes(decision));
    endLlmSpan(this.span, attributes, error);
  }

  private toRecord(status: number, outcome: Outcome, error: string | null, durationMs: number, ttftMs: number | null): InteractionRecord {
    return {
      id: this.id,
      createdAt: this.createdAt,
      proxyId: this.proxyId,
      provider: this.provider,
      operation: this.operation,
      model: this.model,
      requestedModel: this.requestedModel,
      responseModel: this.responseModel,
      agentId: this.context.agentId ?? null,
      userId: this.context.userId ?? null,
      sessionId: this.context.sessionId ?? null,
      executionId: this.context.executionId ?? null,
      status,
      outcome,
      error: error && this.redact(error),
      stream: this.stream,
      durationMs: round(durationMs),
      timeToFirstTokenMs: ttftMs === null ? null : round(ttftMs),
      inputTokens: this.usage.inputTokens,
      outputTokens: this.usage.outputTokens,
      cacheReadTokens: this.usage.cacheReadTokens ?? null,
      cacheWriteTokens: this.usage.cacheWriteTokens ?? null,
      reasoningTokens: this.usage.reasoningTokens ?? null,
      costUsd: this.costUsd,
      requestBody: this.requestBody,
      responseBody: this.deps.keepBodies && this.responseParts.length > 0 ? this.redact(this.responseParts.join('')) + (this.responseCut ? TRUNCATED : '') : null,
      authMethod: this.authMethod,
      virtualKeyId: this.virtualKeyId,
      decisions: this.decisions.length > 0 ? this.decisions : null,
      answerId: this.answerId,
      answerContext: this.answerContext && (this.deps.keepBodies ? this.answerContext : withoutTexts(this.answerContext)),
      upstreamAttempts: this.upstreamAttempts,
      compressedTokensSaved: this.compressedTokensSaved,
      attemptOf: this.attemptOf,
    };
  }

  /** Cuts a body to `maxBodyBytes` UTF-8 bytes, never inside a character. */
  private cut(text: string): string {
    const head = utf8Head(text, this.deps.maxBodyBytes);
    return head === text ? text : head + TRUNCATED;
  }
}

/** The answer reported token counts (a refusal before the upstream, or a listing, reports none). */
function hasUsage(usage: Usage): boolean {
  return usage.inputTokens !== null || usage.outputTokens !== null;
}

/** What stands for a request's own key quoted in its audit row. */
const REDACTED_CREDENTIAL = '[REDACTED:credential]';
const MIN_SECRET_LENGTH = 8;

/** What a body cut at `maxBodyBytes` ends with in the audit row. */
const TRUNCATED = '…[truncated]';

/** The longest start of `text` of at most `max` UTF-8 bytes, never ending inside a character. */
function utf8Head(text: string, max: number): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes: short texts need no counting.
  if (text.length * 3 <= max || Buffer.byteLength(text) <= max) return text;
  // Only the first `max` units can fit: the rest is never copied (a long held stream is released at once).
  return Buffer.from(text.slice(0, max)).subarray(0, max).toString('utf8').replace(/\uFFFD$/, '');
}

/** Without bodies in the audit trail, no conversation text is kept for a read-back answer either. */
function withoutTexts(context: AnswerContextRecord): AnswerContextRecord {
  return { ...context, verdict: { ...context.verdict, trustedTexts: [], untrustedTexts: [] } };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
