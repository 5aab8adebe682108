import { Counter, Histogram, type Metric, Registry } from 'prom-client';
import { type AuditMetrics, createAuditMetrics } from './audit-metrics.js';
import { createLabelCap } from './label-cap.js';

/** Labels on every LLM metric; named as Archestra names them so existing dashboards carry over. */
const LLM_LABELS = ['provider', 'model', 'external_agent_id'] as const;

type LlmLabels = Record<(typeof LLM_LABELS)[number], string>;

/** Remembered execution ids, to count each once; oldest forgotten first past this many. */
const MAX_REMEMBERED_EXECUTIONS = 100_000;

/** Distinct values per label per metric, unless configured (`metrics.maxLabelValues`). */
export const DEFAULT_MAX_LABEL_VALUES = 1_000;

export interface ProxyMetrics extends AuditMetrics {
  readonly registry: Registry;
  observeRequest(labels: LlmLabels, statusCode: number, seconds: number): void;
  observeTokens(labels: LlmLabels, input: number | null, output: number | null): void;
  /** What one interaction cost, in US dollars. */
  observeCost(labels: LlmLabels, usd: number): void;
  /** An interaction that reported usage on a model whose price is not known (its cost is null). */
  countUnknownCost(provider: string, model: string): void;
  observeTimeToFirstToken(labels: LlmLabels, seconds: number): void;
  observeTimeToFirstByte(labels: LlmLabels, seconds: number): void;
  observeTokensPerSecond(labels: LlmLabels, tokensPerSecond: number): void;
  countExecution(externalAgentId: string, executionId: string): void;
  countBlockedToolCall(labels: LlmLabels, rule: string): void;
  countDataLeak(labels: LlmLabels, detector: string, action: string, direction: string): void;
  countDualLlm(labels: LlmLabels, rule: string, outcome: string): void;
  /** One more try of an upstream request, by why (`http_429`, `connection_refused`, ...). */
  countUpstreamRetry(provider: string, reason: string): void;
  /** A request refused with 429 by a rate limit (`limits.rate`): by provider, limit id and which of its limits. */
  countRateLimited(provider: string, limit: string, type: string): void;
  /** A request refused by a budget (`limits.budgets`): by provider, budget id and why (`exceeded`, `unknown_price`, `store_error`). */
  countBudgetRefused(provider: string, budget: string, reason: string): void;
  /** A request a model rule (`modelRules`) sent upstream for another model: by provider and rule id. */
  countModelRewrite(provider: string, rule: string): void;
  /** Prompt tokens saved by sending tool results in TOON (`compression.toolResults`), estimated. */
  countCompressedTokensSaved(labels: LlmLabels, tokens: number): void;
  /** Tool calls held for approval (`held`), let through once approved (`used`), refused as denied (`denied`), pending approvals pushed out by the bound (`evicted`). */
  countApprovals(event: 'held' | 'used' | 'denied' | 'evicted', count: number): void;
}

/** A metric already on the registry: several proxies may share one registry and its series. */
function existing<T extends Metric>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

/**
 * The metric table. One registry per proxy unless the user passes their own. Every label keeps at
 * most `maxLabelValues` distinct values per metric (see label-cap.ts), so no client can grow the
 * registry, or the `/metrics` text, without bound.
 */
export function createProxyMetrics(registry: Registry = new Registry(), maxLabelValues = DEFAULT_MAX_LABEL_VALUES): ProxyMetrics {
  const cap = createLabelCap(registry, maxLabelValues);
  const requestDuration = existing<Histogram>(registry, 'llm_request_duration_seconds') ?? new Histogram({
    name: 'llm_request_duration_seconds',
    help: 'LLM request duration in seconds',
    labelNames: [...LLM_LABELS, 'status_code'],
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [registry],
  });
  const tokens = existing<Counter>(registry, 'llm_tokens_total') ?? new Counter({
    name: 'llm_tokens_total',
    help: 'Total tokens used',
    labelNames: [...LLM_LABELS, 'type'],
    registers: [registry],
  });
  const cost = existing<Counter>(registry, 'llm_cost_total') ?? new Counter({
    name: 'llm_cost_total',
    help: 'Total cost of LLM interactions in US dollars, from the usage each answer reported',
    labelNames: LLM_LABELS,
    registers: [registry],
  });
  const unknownCost = existing<Counter>(registry, 'llm_cost_unknown_total') ?? new Counter({
    name: 'llm_cost_unknown_total',
    help: 'Interactions whose cost is unknown: usage reported on a model with no price (set one in pricing.models)',
    labelNames: ['provider', 'model'],
    registers: [registry],
  });
  const timeToFirstToken = existing<Histogram>(registry, 'llm_time_to_first_token_seconds') ?? new Histogram({
    name: 'llm_time_to_first_token_seconds',
    help: 'Time to first token in seconds (streaming latency): upstream call to first chunk',
    labelNames: LLM_LABELS,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
    registers: [registry],
  });
  const timeToFirstByte = existing<Histogram>(registry, 'llm_time_to_first_byte_seconds') ?? new Histogram({
    name: 'llm_time_to_first_byte_seconds',
    help: 'Time from request receipt to the first byte sent to the client, in seconds',
    labelNames: LLM_LABELS,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
    registers: [registry],
  });
  const tokensPerSecond = existing<Histogram>(registry, 'llm_tokens_per_second') ?? new Histogram({
    name: 'llm_tokens_per_second',
    help: 'Output tokens per second throughput',
    labelNames: LLM_LABELS,
    buckets: [5, 10, 25, 50, 75, 100, 150, 200, 300],
    registers: [registry],
  });
  const executions = existing<Counter>(registry, 'agent_executions_total') ?? new Counter({
    name: 'agent_executions_total',
    help: 'Total unique agent executions',
    labelNames: ['external_agent_id'],
    registers: [registry],
  });
  const blockedTools = existing<Counter>(registry, 'llm_blocked_tools_total') ?? new Counter({
    name: 'llm_blocked_tools_total',
    help: 'Blocked tool count',
    labelNames: [...LLM_LABELS, 'rule'],
    registers: [registry],
  });
  const dataLeaks = existing<Counter>(registry, 'llm_data_leak_findings_total') ?? new Counter({
    name: 'llm_data_leak_findings_total',
    help: 'Secrets and personal data found by the data-leak guards, by detector and action',
    labelNames: [...LLM_LABELS, 'rule', 'action', 'direction'],
    registers: [registry],
  });
  const dualLlm = existing<Counter>(registry, 'llm_dual_llm_results_total') ?? new Counter({
    name: 'llm_dual_llm_results_total',
    help: 'Tool results handled by the dual-LLM quarantine, by outcome (sanitized, withheld, shadow)',
    labelNames: [...LLM_LABELS, 'rule', 'outcome'],
    registers: [registry],
  });
  const retries = existing<Counter>(registry, 'llm_upstream_retries_total') ?? new Counter({
    name: 'llm_upstream_retries_total',
    help: 'Upstream requests tried again by the proxy (upstream.retries), by provider and reason',
    labelNames: ['provider', 'reason'],
    registers: [registry],
  });
  const approvals = existing<Counter>(registry, 'llm_tool_approvals_total') ?? new Counter({
    name: 'llm_tool_approvals_total',
    help: 'Tool calls that need a person\'s approval: held, used (approved and let through), denied; pending approvals evicted by the bound',
    labelNames: ['event'],
    registers: [registry],
  });
  const rateLimited = existing<Counter>(registry, 'llm_rate_limited_total') ?? new Counter({
    name: 'llm_rate_limited_total',
    help: 'Requests refused with 429 by a rate limit (limits.rate), by provider, limit id and type (requests_per_minute, tokens_per_minute, concurrent)',
    labelNames: ['provider', 'limit', 'type'],
    registers: [registry],
  });
  const budgetRefused = existing<Counter>(registry, 'llm_budget_refused_total') ?? new Counter({
    name: 'llm_budget_refused_total',
    help: 'Requests refused by a budget (limits.budgets), by provider, budget id and reason (exceeded: 402, unknown_price: 402, store_error: 503)',
    labelNames: ['provider', 'budget', 'reason'],
    registers: [registry],
  });
  const modelRewrites = existing<Counter>(registry, 'llm_model_rewrites_total') ?? new Counter({
    name: 'llm_model_rewrites_total',
    help: 'Requests a model rule (modelRules) sent upstream for another model than the client asked for, by provider and rule id',
    labelNames: ['provider', 'rule'],
    registers: [registry],
  });
  const compressedSaved = existing<Counter>(registry, 'llm_compressed_tokens_saved_total') ?? new Counter({
    name: 'llm_compressed_tokens_saved_total',
    help: 'Prompt tokens saved by sending JSON tool results in TOON (compression.toolResults), estimated at 4 characters a token',
    labelNames: LLM_LABELS,
    registers: [registry],
  });
  const seenExecutions = new Set<string>();

  return {
    registry,
    ...createAuditMetrics(registry),
    observeRequest: (labels, statusCode, seconds) => requestDuration.observe(cap('llm_request_duration_seconds', { ...labels, status_code: String(statusCode) }), seconds),
    observeTokens(labels, input, output) {
      if (input !== null && input > 0) tokens.inc(cap('llm_tokens_total', { ...labels, type: 'input' }), input);
      if (output !== null && output > 0) tokens.inc(cap('llm_tokens_total', { ...labels, type: 'output' }), output);
    },
    observeCost: (labels, usd) => cost.inc(cap('llm_cost_total', labels), usd),
    countUnknownCost: (provider, model) => unknownCost.inc(cap('llm_cost_unknown_total', { provider, model })),
    observeTimeToFirstToken: (labels, seconds) => timeToFirstToken.observe(cap('llm_time_to_first_token_seconds', labels), seconds),
    observeTimeToFirstByte: (labels, seconds) => timeToFirstByte.observe(cap('llm_time_to_first_byte_seconds', labels), seconds),
    observeTokensPerSecond: (labels, value) => tokensPerSecond.observe(cap('llm_tokens_per_second', labels), value),
    countBlockedToolCall: (labels, rule) => blockedTools.inc(cap('llm_blocked_tools_total', { ...labels, rule })),
    countDataLeak: (labels, rule, action, direction) => dataLeaks.inc(cap('llm_data_leak_findings_total', { ...labels, rule, action, direction })),
    countDualLlm: (labels, rule, outcome) => dualLlm.inc(cap('llm_dual_llm_results_total', { ...labels, rule, outcome })),
    countUpstreamRetry: (provider, reason) => retries.inc(cap('llm_upstream_retries_total', { provider, reason })),
    countRateLimited: (provider, limit, type) => rateLimited.inc(cap('llm_rate_limited_total', { provider, limit, type })),
    countBudgetRefused: (provider, budget, reason) => budgetRefused.inc(cap('llm_budget_refused_total', { provider, budget, reason })),
    countModelRewrite: (provider, rule) => modelRewrites.inc(cap('llm_model_rewrites_total', { provider, rule })),
    countCompressedTokensSaved: (labels, tokens) => compressedSaved.inc(cap('llm_compressed_tokens_saved_total', labels), tokens),
    countApprovals: (event, count) => approvals.inc({ event }, count),
    countExecution(externalAgentId, executionId) {
      const key = `${externalAgentId}\u0000${executionId}`;
      if (seenExecutions.has(key)) return;
      if (seenExecutions.size >= MAX_REMEMBERED_EXECUTIONS) {
        const oldest = seenExecutions.values().next().value;
        if (oldest !== undefined) seenExecutions.delete(oldest);
      }
      seenExecutions.add(key);
      executions.inc(cap('agent_executions_total', { external_agent_id: externalAgentId }));
    },
  };
}
