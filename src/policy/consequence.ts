import type { ToolCallView } from '../providers/types.js';
import { dictatedContent, sensitiveContent } from './content-checks.js';
import type { ArgumentLeaf } from './declarations.js';
import { traceLeaves } from './provenance.js';
import type { PolicyConfig, ToolDeclaration } from './schema.js';
import { whereFrom } from './explain.js';
import type { ContextVerdict, ToolCallDecision } from './types.js';

/**
 * A declared tool's call in a tainted context, by its consequence class:
 *
 * - `read` passes: it changes nothing and reaches no one;
 * - `write_own` passes when its targets (guests of an event, say), if any, are traced to trusted
 *   content; its ids name the user's own objects and are not traced;
 * - `send`, `transact`, `delete`, `credential` pass when every target (and secret) is traced to
 *   trusted content. A `delete` traces its ids too (they name what it destroys), and so does a
 *   call of the others that names no target (a reply by message id reaches that message's sender);
 * - `send` and `transact` are also held when their content carries a card, an IBAN or a secret
 *   the user did not write, or was dictated word for word by untrusted content.
 *
 * What does not pass is refused, or held for approval where `consequences.<class>.whenUntraced`
 * says so.
 */
export function judgeDeclared(call: ToolCallView, leaves: ArgumentLeaf[] | null, verdict: ContextVerdict, policy: PolicyConfig, declaration: ToolDeclaration, ruleId: string, reason: string | undefined): ToolCallDecision {
  const base = { kind: 'tool_call' as const, toolCallId: call.id, tool: call.name, ruleId };
  const consequence = declaration.consequence;
  if (consequence === 'read') return { ...base, action: 'allow', reason: 'a read: it changes nothing and reaches no one' };
  const refuse = (why: string, provenance?: ToolCallDecision['provenance']): ToolCallDecision => {
    const held = (policy.consequences[consequence]?.whenUntraced ?? 'block') === 'require_approval';
    if (held) return { ...base, action: 'require_approval', reason: reason ?? `"${call.name}" needs a person's approval: ${why}`, provenance };
    return { ...base, action: 'block', reason: reason ?? `"${call.name}" was blocked: ${why}`, provenance };
  };
  if (!leaves) return refuse('its arguments are not JSON, so what it reaches cannot be told');

  let provenance = traceLeaves(leaves, verdict, consequence === 'delete');
  if (consequence !== 'write_own' && consequence !== 'delete' && !provenance.some((entry) => entry.role !== 'content')) {
    provenance = traceLeaves(leaves, verdict, true);
  }
  const culprit = provenance.find((entry) => entry.source === 'untrusted') ?? provenance.find((entry) => entry.source === 'unknown');
  if (culprit) return refuse(whereFrom(culprit, verdict), provenance);

  if (consequence === 'send' || consequence === 'transact') {
    const concern = sensitiveContent(leaves, verdict) ?? dictatedContent(leaves, verdict);
    if (concern) return refuse(`${concern.why}, in a context that holds untrusted content`, provenance);
  }
  const why = provenance.length > 0 ? 'everything it reaches comes from trusted content' : consequence === 'write_own' ? 'it changes only the user\'s own objects and reaches no one else' : 'it names nothing that untrusted content could have chosen';
  return { ...base, action: 'allow', reason: why, provenance: provenance.length > 0 ? provenance : undefined };
}
