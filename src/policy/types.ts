/** Where an argument's value was found in the conversation. */
export interface ArgumentProvenance {
  path: string;
  value: string;
  /** `trusted`: in the user's or system's words or a trusted tool result; `untrusted`: only in untrusted content; `unknown`: nowhere. */
  source: 'trusted' | 'untrusted' | 'unknown';
  /** The message it was found in. */
  messageIndex?: number;
}

export interface ToolCallDecision {
  kind: 'tool_call';
  toolCallId: string;
  tool: string;
  action: 'allow' | 'block';
  /** The rule that decided: its id, or `default`, `taint`, `provenance`. */
  ruleId: string;
  reason: string;
  provenance?: ArgumentProvenance[];
}

export interface ToolResultDecision {
  kind: 'tool_result';
  toolCallId: string;
  tool: string;
  trust: 'trusted' | 'untrusted' | 'blocked';
  ruleId: string;
  messageIndex: number;
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
}

/** A tainted request went upstream without its tools (quarantine mode). */
export interface QuarantineDecision {
  kind: 'quarantine';
  ruleId: 'quarantine';
  reason: string;
}

export type PolicyDecision = ToolCallDecision | ToolResultDecision | DataLeakDecision | QuarantineDecision;

/** The trust of a request's context, computed from all of it (and the session's history). */
export interface ContextVerdict {
  tainted: boolean;
  /** The session was tainted by an earlier request, even if this one no longer shows it. */
  taintedBySession: boolean;
  results: ToolResultDecision[];
  /** Texts the user, the system and trusted tools wrote, by message index. */
  trustedTexts: { messageIndex: number; text: string }[];
  /** Texts of untrusted tool results, by message index. */
  untrustedTexts: { messageIndex: number; text: string }[];
  /** Results of the trifecta's private-data tools that reach the model (not `blocked` ones). */
  privateResults: { tool: string; messageIndex: number }[];
}
