import { type DetectorSet, redactText, scanText } from '../data-leak/scan.js';
import { type ExfilLinkId, removedHost } from './detector.js';

/** A link neutralised in a JSON answer: where, and the host it led to (never the address). */
export interface LinkFinding {
  readonly path: string;
  readonly host: string;
}

/**
 * Keys whose values are not answer text: tool calls and their arguments (OpenAI `tool_calls`,
 * `function_call`, Responses `arguments`, Anthropic `input`, Gemini `functionCall`), and what a
 * Responses answer echoes of its request (`instructions`, `tools`, `metadata`). Streams leave the
 * same out (their `tool:` channels).
 */
const NOT_ANSWER_TEXT = new Set(['tool_calls', 'function_call', 'functionCall', 'arguments', 'args', 'input', 'instructions', 'tools', 'metadata']);
/** Anthropic's thinking blocks are signed: a changed word would fail the next turn (streams leave them alone too). */
const SIGNED_BLOCKS = new Set(['thinking', 'redacted_thinking']);
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Neutralises exfiltration links in the text of a parsed JSON answer, in place (text inside
 * strings only, so the answer stays valid JSON). Iterative, so a deep answer cannot overflow the
 * stack.
 */
export function neutralizeAnswerLinks(answer: unknown, set: DetectorSet<ExfilLinkId>): LinkFinding[] {
  const findings: LinkFinding[] = [];
  if (answer === null || typeof answer !== 'object') return findings;
  const stack: { node: object; path: string }[] = [{ node: answer, path: '$' }];
  const seen = new WeakSet<object>();
  while (stack.length > 0) {
    const { node, path } = stack.pop() as { node: object; path: string };
    if (seen.has(node)) continue;
    seen.add(node);
    const record = node as Record<string, unknown>;
    if (typeof record.type === 'string' && SIGNED_BLOCKS.has(record.type)) continue;
    for (const key of Object.keys(record)) {
      if (!Array.isArray(node) && NOT_ANSWER_TEXT.has(key)) continue;
      const at = Array.isArray(node) ? `${path}[${key}]` : IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
      const value = record[key];
      if (value !== null && typeof value === 'object') stack.push({ node: value, path: at });
      if (typeof value !== 'string' || (!value.includes(']') && !value.includes('<'))) continue;
      const found = scanText(value, set);
      if (found.length === 0) continue;
      Object.defineProperty(record, key, { value: redactText(value, found), writable: true, enumerable: true, configurable: true });
      for (const finding of found) findings.push({ path: at, host: removedHost(finding.replacement ?? '') });
    }
  }
  return findings;
}
