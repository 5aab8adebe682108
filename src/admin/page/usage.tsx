/** Usage over a window: the daily chart, and a table per agent, model or key. */
import { useEffect, useState } from 'preact/hooks';
import { api, query } from './api.js';
import type { UsageRow } from './api-types.js';
import { formatNumber, formatUsd } from './format.js';
import { UsageChart, dailyPoints } from './usage-chart.js';

const WINDOWS = [7, 30, 90];
const GROUPS = [
  { id: 'agent', label: 'Agent' },
  { id: 'model', label: 'Model' },
  { id: 'key', label: 'Key' },
];

export function UsageView() {
  const [days, setDays] = useState(7);
  const [by, setBy] = useState('agent');
  const [daily, setDaily] = useState<UsageRow[] | null>(null);
  const [grouped, setGrouped] = useState<UsageRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const to = new Date();
  const from = new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), to.getUTCDate() - (days - 1)));
  const range = { from: from.toISOString(), to: to.toISOString() };

  useEffect(() => {
    api<{ rows: UsageRow[] }>(`usage${query({ ...range, by: 'day' })}`).then((json) => setDaily(json.rows), (failure: Error) => setError(failure.message));
  }, [days]);
  useEffect(() => {
    api<{ rows: UsageRow[] }>(`usage${query({ ...range, by })}`).then((json) => setGrouped(json.rows), (failure: Error) => setError(failure.message));
  }, [days, by]);

  const total = (daily ?? []).reduce(
    (sum, row) => ({ requests: sum.requests + row.requests, refusals: sum.refusals + (row.refusals ?? 0), tokens: sum.tokens + row.inputTokens + row.outputTokens, cost: sum.cost + (row.costUsd ?? 0) }),
    { requests: 0, refusals: 0, tokens: 0, cost: 0 },
  );

  return (
    <section>
      <div class="heading">
        <h2>Usage</h2>
        <div class="segmented" role="group" aria-label="Window">
          {WINDOWS.map((n) => <button key={n} class={n === days ? 'active' : ''} onClick={() => setDays(n)}>{n} days</button>)}
        </div>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      <div class="totals">
        <div class="card stat"><span>Requests</span><b data-total="requests">{formatNumber(total.requests)}</b></div>
        <div class="card stat" title="Requests the proxy refused outright: rejected, rate-limited or over budget (a blocked tool call inside an answer is counted in the log, not here)"><span>Refused</span><b data-total="refusals">{formatNumber(total.refusals)}</b></div>
        <div class="card stat"><span>Tokens</span><b data-total="tokens">{formatNumber(total.tokens)}</b></div>
        <div class="card stat"><span>Spend</span><b>{formatUsd(total.cost)}</b></div>
      </div>
      <div class="card">
        <div class="legend"><span class="swatch requests" />requests <span class="swatch refusals" />refused <span class="swatch tokens" />tokens (right scale)</div>
        {daily && <UsageChart points={dailyPoints(daily, from, to)} />}
      </div>
      <div class="heading">
        <h3>By</h3>
        <div class="segmented" role="group" aria-label="Group by">
          {GROUPS.map((group) => <button key={group.id} class={group.id === by ? 'active' : ''} onClick={() => setBy(group.id)}>{group.label}</button>)}
        </div>
      </div>
      <table class="list" aria-label="Usage by group">
        <thead><tr><th>{GROUPS.find((group) => group.id === by)?.label}</th><th class="num">Requests</th><th class="num">Refused</th><th class="num">Tokens in</th><th class="num">Tokens out</th><th class="num">Spend</th></tr></thead>
        <tbody>
          {grouped?.map((row) => (
            <tr key={row.key}>
              <td>{row.key || '(none)'}</td>
              <td class="num">{formatNumber(row.requests)}</td>
              <td class="num">{formatNumber(row.refusals ?? 0)}</td>
              <td class="num">{formatNumber(row.inputTokens)}</td>
              <td class="num">{formatNumber(row.outputTokens)}</td>
              <td class="num">{formatUsd(row.costUsd)}</td>
            </tr>
          ))}
          {grouped?.length === 0 && <tr><td colSpan={6} class="muted">No requests in this window.</td></tr>}
        </tbody>
      </table>
    </section>
  );
}
