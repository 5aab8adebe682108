/** Tool calls held for a person (`require_approval`): pending first, approve or deny with a note. */
import { useEffect, useState } from 'preact/hooks';
import { api, query } from './api.js';
import type { Approval } from './api-types.js';
import { formatTime, prettyBody } from './format.js';

const STATES = ['pending', 'all', 'approved', 'denied', 'used', 'expired'];
const POLL_MS = 5_000;

export function ApprovalsView() {
  const [state, setState] = useState('pending');
  const [approvals, setApprovals] = useState<Approval[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function load() {
    try {
      setApprovals((await api<{ approvals: Approval[] }>(`approvals${query({ state })}`)).approvals);
      setError(null);
    } catch (failure) {
      setError((failure as Error).message);
    }
  }
  useEffect(() => {
    void load();
    // Calls wait for a person: new ones show without a reload.
    const timer = setInterval(() => !document.hidden && void load(), POLL_MS);
    return () => clearInterval(timer);
  }, [state]);

  async function decide(approval: Approval, action: 'approve' | 'deny') {
    const note = prompt(`${action === 'approve' ? 'Approve' : 'Deny'} ${approval.tool}? A note for the record (optional):`, '');
    if (note === null) return;
    try {
      await api(`approvals/${encodeURIComponent(approval.id)}/${action}`, { method: 'POST', body: note.trim() ? { by: 'admin page', note: note.trim() } : { by: 'admin page' } });
      await load();
    } catch (failure) {
      setError((failure as Error).message);
      await load();
    }
  }

  return (
    <section>
      <div class="heading">
        <h2>Approvals</h2>
        <label>State
          <select name="state" value={state} onChange={(e) => setState(e.currentTarget.value)}>
            {STATES.map((name) => <option key={name} value={name}>{name}</option>)}
          </select>
        </label>
      </div>
      <p class="muted">Tool calls a policy holds for a person. An approved call passes once, when the agent sends it again.</p>
      {error && <p class="error" role="alert">{error}</p>}
      <table class="list" aria-label="Approvals">
        <thead><tr><th>Asked</th><th>Proxy · scope</th><th>Tool call</th><th>Why</th><th>State</th><th /></tr></thead>
        <tbody>
          {approvals?.map((approval) => (
            <tr key={approval.id} data-approval={approval.id}>
              <td>{formatTime(approval.createdAt)}</td>
              <td>{approval.proxyId}<div class="muted">{approval.scope}</div></td>
              <td><b>{approval.tool}</b><pre class="args">{prettyBody(approval.arguments)}</pre></td>
              <td>{approval.reason}<div class="muted">rule <code>{approval.ruleId}</code></div></td>
              <td>
                <span class={`badge ${approval.state === 'approved' || approval.state === 'used' ? 'good' : approval.state === 'denied' ? 'bad' : approval.state === 'pending' ? 'warn' : ''}`}>{approval.state}</span>
                {approval.decidedBy && <div class="muted">by {approval.decidedBy}{approval.note ? `: ${approval.note}` : ''}</div>}
              </td>
              <td class="actions">
                {approval.state === 'pending' && (
                  <>
                    <button class="primary" onClick={() => void decide(approval, 'approve')}>Approve</button>
                    <button class="danger" onClick={() => void decide(approval, 'deny')}>Deny</button>
                  </>
                )}
              </td>
            </tr>
          ))}
          {approvals?.length === 0 && <tr><td colSpan={6} class="muted">No {state === 'all' ? '' : `${state} `}approvals.</td></tr>}
        </tbody>
      </table>
    </section>
  );
}
