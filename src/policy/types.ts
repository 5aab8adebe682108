/** Where an argument's value was found in the conversation. */
export interface ArgumentProvenance {
  path: string;
  value: string;
  /** `trusted`: in the user's or system's words or a trusted tool result; `untrusted`: only in untrusted content; `unknown`: nowhere. */
  source: 'trusted' | 'untrusted' | 'unknown';
  /** The message it was found in. */
  messageIndex?: number;
  /** A declared or shape-read target, an address inside content, or a secret (its value shown as `[secret]`). */
  role?: 'target' | 'content' | 'secret';
  /**
   * Found in a trusted field of a result (a listing's names), but also named in untrusted text
   * (a review, a note, a subject), which may have chosen it: counted as untrusted.
   */
  contested?: boolean;
}

export interface ToolCallDecision {
  kind: 'tool_call';
  toolCallId: string;
  tool: string;
  /**
   * `require_approval`: the call waits for a person. The policy only says so; the pipeline's
   * approval stage turns it into `allow` (an approval granted for this very call, used once) or
   * keeps it refused with the pending approval's id in `approval`.
   */
  action: 'allow' | 'block' | 'require_approval';
  /** The rule that decided: its id, or `default`, `taint`, `provenance`. */
  ruleId: string;
  reason: string;
  provenance?: ArgumentProvenance[];
  /** For a call that needed approval: the approval and its state (who decided it, once decided). */
  approval?: { id: string; state: 'pending' | 'approved' | 'denied'; decidedBy?: string };
}

export interface ToolResultDecision {
  kind: 'tool_result';
  toolCallId: string;
  tool: string;
  trust: 'trusted' | 'untrusted' | 'blocked' | 'sanitize';
  ruleId: string;
  messageIndex: number;
  /** The fields of the result the rule trusts; the rest of it is untrusted (and taints). */
  trustedFields?: string[];
}

/** One multiple-choice question put to the quarantined model, and the option it chose. */
export interface DualLlmExchange {
  question: string;
  options: string[];
  /** The chosen option's index; null when the answer was not a valid index. */
  answer: number | null;
}

/**
 * A tool result marked `sanitize` went through the dual-LLM quarantine. `sanitized`: the main
 * model sees what the quarantined model answered instead of the result; `withheld`: it could not
 * be sanitized (an upstream error, no usable answer) and the result was removed instead.
 */
export interface DualLlmDecision {
  kind: 'dual_llm';
  toolCallId: string;
  tool: string;
  ruleId: string;
  outcome: 'sanitized' | 'withheld' | 'shadow';
  /** The answer was remembered from an earlier request with the same result. */
  cached: boolean;
  /** Questions (the main model's or the rule's own) and the indices chosen: never the result's text. */
  exchanges: DualLlmExchange[];
  reason: string;
}

/** On the row of a call the proxy made itself for the dual-LLM quarantine: which role it played. */
export interface DualLlmCallDecision {
  kind: 'dual_llm_call';
  /** `scope`: the call that picks a session's tools (`toolScope`). */
  role: 'question' | 'answer' | 'summary' | 'scope';
  tool: string;
}

/** A secret or a piece of personal data found in a request or an answer. */
export interface DataLeakDecision {
  kind: 'data_leak';
  direction: 'request' | 'response';
  /** The detector that found it: `openai_key`, `email`, `credit_card`, ... */
  detector: string;
  /** Where in the JSON body (never the value itself). */
  path: string;
  action: 'redact' | 'block';
  /** For an exfiltration link (`detector: 'exfil_link'`), the host it led to. */
  host?: string;
}

/** A tainted request went upstream without its tools (quarantine mode). */
export interface QuarantineDecision {
  kind: 'quarantine';
  ruleId: 'quarantine';
  reason: string;
}

/**
 * The answer holds a provider-hosted tool call that read outside content (a web search, a fetched
 * page, an MCP server's result): the answer's own calls and links were judged as tainted.
 */
export interface HostedToolDecision {
  kind: 'hosted_tool';
  tool: string;
}

/** The tools a session may call (`toolScope`), pinned at its first request, and how. */
export interface ToolScopeDecision {
  kind: 'tool_scope';
  /** `pinned` now, `recalled` from the session's first request, or `unavailable` (no call of this request passes). */
  outcome: 'pinned' | 'recalled' | 'unavailable';
  tools: string[];
  reason?: string;
}

/** A request refused with 429 by a rate limit (`limits.rate`), or with 503 because its counters failed. */
export interface RateLimitDecision {
  kind: 'rate_limit';
  /** The limit's id. */
  ruleId: string;
  limit: 'requests_per_minute' | 'tokens_per_minute' | 'concurrent';
  scope: string;
  /** `limited`: 429, retry after `retryAfterSeconds`; `store_error`: its counters could not be read (503). */
  outcome: 'limited' | 'store_error';
  retryAfterSeconds: number;
}

/** A request refused with 402 by a budget (`limits.budgets`), or with 503 because its counters failed. */
export interface BudgetDecision {
  kind: 'budget';
  /** The budget's id. */
  budgetId: string;
  unit: 'usd' | 'tokens';
  scope: string;
  /** `exceeded`: its worst case does not fit; `unknown_price`: a dollar budget, a model without a price; `store_error`: its counters failed (503). */
  outcome: 'exceeded' | 'unknown_price' | 'store_error';
  /** The worst case the request would have reserved, in the budget's unit. */
  requested: number | null;
  /** When there is room again (ISO 8601), where known. */
  roomAt: string | null;
}

/** A model rule (`modelRules`) sent the request upstream for another model than the client asked for. */
export interface ModelRuleDecision {
  kind: 'model_rule';
  /** The rule's id. */
  ruleId: string;
  /** The model the client asked for. */
  requested: string;
  /** The model sent upstream. */
  used: string;
}

export type PolicyDecision = ModelRuleDecision | BudgetDecision | RateLimitDecision | ToolCallDecision | ToolResultDecision | DataLeakDecision | QuarantineDecision | DualLlmDecision | DualLlmCallDecision | HostedToolDecision | ToolScopeDecision;

/** The trust of a request's context, computed from all of it (and the session's history). */
export interface ContextVerdict {
  tainted: boolean;
  /** The session was tainted by an earlier request, even if this one no longer shows it. */
  taintedBySession: boolean;
  results: ToolResultDecision[];
  /** Texts the user, the system and trusted tools wrote, by message index. */
  trustedTexts: { messageIndex: number; text: string; origin?: 'user' | 'tool' | 'field' }[];
  /** Texts of untrusted tool results, by message index. */
  untrustedTexts: { messageIndex: number; text: string }[];
  /** Results of the trifecta's private-data tools that reach the model (not `blocked` ones). */
  privateResults: { tool: string; messageIndex: number }[];
}
