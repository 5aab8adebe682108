/** Policy decisions as people read them: which rule decided what, why, and from which evidence. */
import type { PolicyDecision } from './api-types.js';

/** The decisions that refused something (or held it for a person). */
export function refusingDecisions(decisions: PolicyDecision[]): PolicyDecision[] {
  return decisions.filter((decision) => {
    switch (decision.kind) {
      case 'tool_call': return decision.action !== 'allow';
      case 'data_leak': return decision.action === 'block';
      case 'rate_limit': case 'budget': case 'quarantine': return true;
      case 'tool_scope': return decision.outcome === 'unavailable';
      case 'dual_llm': return decision.outcome === 'withheld';
      default: return false;
    }
  });
}

/** One line: what was decided about what. */
export function decisionTitle(decision: PolicyDecision): string {
  switch (decision.kind) {
    case 'tool_call': return `${decision.action === 'block' ? 'Blocked' : decision.action === 'require_approval' ? 'Held for approval' : 'Allowed'} tool call ${decision.tool}`;
    case 'tool_result': return `Tool result of ${decision.tool}: ${decision.trust}`;
    case 'data_leak': return `${decision.action === 'block' ? 'Blocked' : 'Redacted'} ${decision.detector} in the ${decision.direction} at ${decision.path}${decision.host ? ` (${decision.host})` : ''}`;
    case 'rate_limit': return `Rate limit ${decision.ruleId}: ${decision.limit} for ${decision.scope} (${decision.outcome}, retry after ${decision.retryAfterSeconds} s)`;
    case 'budget': return `Budget ${decision.budgetId} (${decision.unit}) for ${decision.scope}: ${decision.outcome}`;
    case 'quarantine': return 'Sent upstream without tools (quarantine)';
    case 'dual_llm': return `Dual-LLM quarantine of ${decision.tool}: ${decision.outcome}`;
    case 'dual_llm_call': return `The proxy's own ${decision.role} call for ${decision.tool}`;
    case 'hosted_tool': return `Hosted tool ${decision.tool} read outside content`;
    case 'tool_scope': return `Tool scope ${decision.outcome}: ${decision.tools.join(', ') || 'no tools'}`;
    case 'model_rule': return `Model rule sent ${decision.used} instead of ${decision.requested}`;
    // A kind this page does not know yet (a newer proxy): named, not hidden.
    default: return `Decision: ${(decision as { kind?: unknown }).kind}`;
  }
}

function ruleOf(decision: PolicyDecision): string | null {
  if ('ruleId' in decision) return decision.ruleId;
  if (decision.kind === 'budget') return decision.budgetId;
  return null;
}

function reasonOf(decision: PolicyDecision): string | null {
  return 'reason' in decision && typeof decision.reason === 'string' ? decision.reason : null;
}

export function DecisionCard({ decision }: { decision: PolicyDecision }) {
  const rule = ruleOf(decision);
  const reason = reasonOf(decision);
  return (
    <div class={`decision ${decision.kind}`}>
      <div class="decision-title">{decisionTitle(decision)}</div>
      {rule && <div class="kv"><span>Rule</span><code>{rule}</code></div>}
      {reason && <div class="kv"><span>Reason</span><span class="reason">{reason}</span></div>}
      {decision.kind === 'tool_call' && decision.approval && (
        <div class="kv"><span>Approval</span><span>{decision.approval.id} · {decision.approval.state}{decision.approval.decidedBy ? ` by ${decision.approval.decidedBy}` : ''}</span></div>
      )}
      {decision.kind === 'tool_call' && decision.provenance && decision.provenance.length > 0 && (
        <table class="provenance" aria-label="Provenance">
          <thead><tr><th>Argument</th><th>Value</th><th>Found in</th><th>Role</th><th>Message</th></tr></thead>
          <tbody>
            {decision.provenance.map((item) => (
              <tr key={item.path} class={item.source}>
                <td><code>{item.path}</code></td>
                <td><code>{item.value}</code></td>
                <td><span class={`badge ${item.source === 'trusted' ? 'good' : 'bad'}`}>{item.source}{item.contested ? ' (contested)' : ''}</span></td>
                <td>{item.role ?? ''}</td>
                <td>{item.messageIndex ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {decision.kind === 'budget' && decision.roomAt && <div class="kv"><span>Room again</span><span>{decision.roomAt}</span></div>}
    </div>
  );
}
