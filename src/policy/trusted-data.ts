import type { RequestView } from '../providers/types.js';
import { safeParseJson } from '../providers/shared/json.js';
import { coversPath, leavesOf, parsePath } from './json-paths.js';
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
      if (message.text) verdict.trustedTexts.push({ messageIndex: message.index, text: message.text, origin: 'user' });
    }
    for (const result of message.toolResults) {
      const tool = toolNames.get(result.toolCallId) ?? result.name ?? '';
      const { decision, fields, rest } = judgeResult(tool, result.toolCallId, result.text, message.index, policy);
      verdict.results.push(decision);
      // Only the declared fields are trusted; the rest of the result stays untrusted (below).
      for (const text of fields) verdict.trustedTexts.push({ messageIndex: message.index, text, origin: 'field' });
      // A blocked result never reaches the model, so it brings no private data into the context.
      if (decision.trust !== 'blocked' && policy.trifecta.privateDataTools.some((pattern) => globMatches(pattern, tool))) {
        verdict.privateResults.push({ tool, messageIndex: message.index });
      }
      if (decision.trust === 'trusted') verdict.trustedTexts.push({ messageIndex: message.index, text: result.text, origin: 'tool' });
      else if (decision.trust === 'untrusted') {
        verdict.untrustedTexts.push({ messageIndex: message.index, text: rest ?? result.text });
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

/**
 * The decision on one result; for a rule with `fields`, the texts of its trusted fields and the
 * rest of the result (its other values, one a line), which stays untrusted.
 */
function judgeResult(tool: string, toolCallId: string, text: string, messageIndex: number, policy: PolicyConfig): { decision: ToolResultDecision; fields: string[]; rest?: string } {
  let subject: unknown;
  for (const [index, rule] of policy.trustedData.entries()) {
    if (!globMatches(rule.tool, tool)) continue;
    if (rule.when.length > 0 || rule.fields) {
      subject ??= parseResult(text);
      if (!conditionsHold(rule.when, subject)) continue;
    }
    const ruleId = rule.id ?? `trustedData:${index}`;
    if (rule.fields) {
      const { fields, rest } = splitFields(rule.fields, subject);
      return { decision: { kind: 'tool_result', toolCallId, tool, trust: 'untrusted', ruleId, messageIndex, trustedFields: rule.fields }, fields, rest };
    }
    return { decision: { kind: 'tool_result', toolCallId, tool, trust: rule.action, ruleId, messageIndex }, fields: [] };
  }
  return { decision: { kind: 'tool_result', toolCallId, tool, trust: 'untrusted', ruleId: 'default', messageIndex }, fields: [] };
}

/**
 * Each value at the trusted paths, as its own text (so a value is matched whole, never across two),
 * and the other values of the result. A result that is not JSON has no fields: all of it is the rest.
 */
function splitFields(paths: readonly string[], subject: unknown): { fields: string[]; rest: string } {
  if (subject === null || typeof subject !== 'object') return { fields: [], rest: typeof subject === 'string' ? subject : JSON.stringify(subject) };
  const prefixes = paths.map(parsePath);
  const fields: string[] = [];
  const rest: string[] = [];
  for (const leaf of leavesOf(subject)) {
    if (leaf.value === '') continue;
    (prefixes.some((prefix) => coversPath(prefix, leaf.segments)) ? fields : rest).push(leaf.value);
  }
  return { fields, rest: rest.join('\n') };
}

/** A result is judged as JSON when it is JSON, else as its text. */
function parseResult(text: string): unknown {
  const parsed = safeParseJson(text);
  return parsed.success ? parsed.value : text;
}
