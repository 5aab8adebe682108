import type { RequestView } from '../providers/types.js';
import { safeParseJson } from '../providers/shared/json.js';
import { conditionsHold, globMatches } from './match.js';
import type { PolicyConfig } from './schema.js';
import type { ContextVerdict, ToolResultDecision } from './types.js';

/**
 * Judges every tool result in the request against the trusted-data rules (untrusted unless a rule
 * says otherwise) and decides whether the context is tainted. A session already tainted stays
 * tainted: dropping or summarising history cannot launder it.
 */
export function evaluateContext(view: RequestView, policy: PolicyConfig, sessionTainted: boolean): ContextVerdict {
  const toolNames = new Map<string, string>();
  for (const message of view.messages) for (const call of message.toolCalls) toolNames.set(call.id, call.name);

  const verdict: ContextVerdict = { tainted: sessionTainted, taintedBySession: sessionTainted, results: [], trustedTexts: [], untrustedTexts: [], privateResults: [] };
  for (const message of view.messages) {
    if (message.role === 'system' || message.role === 'user') {
      if (message.text) verdict.trustedTexts.push({ messageIndex: message.index, text: message.text });
    }
    for (const result of message.toolResults) {
      const tool = toolNames.get(result.toolCallId) ?? result.name ?? '';
      const decision = judgeResult(tool, result.toolCallId, result.text, message.index, policy);
      verdict.results.push(decision);
      // A blocked result never reaches the model, so it brings no private data into the context.
      if (decision.trust !== 'blocked' && policy.trifecta.privateDataTools.some((pattern) => globMatches(pattern, tool))) {
        verdict.privateResults.push({ tool, messageIndex: message.index });
      }
      if (decision.trust === 'trusted') verdict.trustedTexts.push({ messageIndex: message.index, text: result.text });
      else if (decision.trust === 'untrusted') {
        verdict.untrustedTexts.push({ messageIndex: message.index, text: result.text });
        verdict.tainted = true;
      } else if (decision.trust === 'sanitize') {
        // The main model gets the dual-LLM quarantine's stand-in, never this text, so it does not
        // taint the context; a value found only in it still counts as untrusted provenance.
        verdict.untrustedTexts.push({ messageIndex: message.index, text: result.text });
      }
    }
  }
  // Retrieved documents, hosted tools' outputs, chained responses: outside content whatever the
  // rules say of declared tools (no rule names them), so never a source of trusted provenance.
  for (const content of view.untrusted ?? []) {
    verdict.results.push({ kind: 'tool_result', toolCallId: '', tool: content.source, trust: 'untrusted', ruleId: 'untrusted_source', messageIndex: content.messageIndex });
    verdict.untrustedTexts.push({ messageIndex: content.messageIndex, text: content.text });
    verdict.tainted = true;
  }
  return verdict;
}

function judgeResult(tool: string, toolCallId: string, text: string, messageIndex: number, policy: PolicyConfig): ToolResultDecision {
  let subject: unknown;
  for (const [index, rule] of policy.trustedData.entries()) {
    if (!globMatches(rule.tool, tool)) continue;
    if (rule.when.length > 0) {
      subject ??= parseResult(text);
      if (!conditionsHold(rule.when, subject)) continue;
    }
    return { kind: 'tool_result', toolCallId, tool, trust: rule.action, ruleId: rule.id ?? `trustedData:${index}`, messageIndex };
  }
  return { kind: 'tool_result', toolCallId, tool, trust: 'untrusted', ruleId: 'default', messageIndex };
}

/** A result is judged as JSON when it is JSON, else as its text. */
function parseResult(text: string): unknown {
  const parsed = safeParseJson(text);
  return parsed.success ? parsed.value : text;
}
