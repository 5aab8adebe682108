/** One interaction in full: why it was refused first, then who, tokens, timings and the bodies. */
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import type { Interaction } from './api-types.js';
import { DecisionCard, refusingDecisions } from './decisions.js';
import { formatMs, formatNumber, formatTime, formatUsd, prettyBody } from './format.js';

export function InteractionDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const [record, setRecord] = useState<Interaction | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stale = false;
    setRecord(null);
    api<Interaction | { interaction: Interaction }>(`interactions/${encodeURIComponent(id)}`).then(
      (json) => !stale && setRecord('interaction' in json ? json.interaction : json),
      (failure: Error) => !stale && setError(failure.message),
    );
    return () => { stale = true; };
  }, [id]);

  const decisions = record?.decisions ?? [];
  const refusing = refusingDecisions(decisions);
  return (
    <aside class="detail card" aria-label="Interaction detail">
      <div class="heading">
        <h3>Interaction <code>{id}</code></h3>
        <button class="link" onClick={onClose} aria-label="Close">✕</button>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {record && (
        <>
          <dl class="facts">
            <dt>Time</dt><dd>{formatTime(record.createdAt)}</dd>
            <dt>Proxy</dt><dd>{record.proxyId}</dd>
            <dt>Provider</dt><dd>{record.provider ?? '?'} · {record.operation ?? ''}{record.stream ? ' · stream' : ''}</dd>
            <dt>Model</dt><dd>{record.model ?? ''}{record.responseModel && record.responseModel !== record.model ? ` → ${record.responseModel}` : ''}</dd>
            <dt>Outcome</dt><dd>{record.outcome} · HTTP {record.status}{record.error ? ` · ${record.error}` : ''}</dd>
            <dt>Agent</dt><dd>{record.agentId ?? '–'}</dd>
            <dt>User</dt><dd>{record.userId ?? '–'}</dd>
            <dt>Session</dt><dd>{record.sessionId ?? '–'}</dd>
            <dt>Execution</dt><dd>{record.executionId ?? '–'}</dd>
            <dt>Auth</dt><dd>{record.authMethod ?? '–'}{record.virtualKeyId ? ` · key ${record.virtualKeyId}` : ''}</dd>
            <dt>Tokens</dt><dd>{formatNumber(record.inputTokens)} in / {formatNumber(record.outputTokens)} out{record.cacheReadTokens ? ` · ${formatNumber(record.cacheReadTokens)} cached` : ''}{record.reasoningTokens ? ` · ${formatNumber(record.reasoningTokens)} reasoning` : ''}</dd>
            <dt>Cost</dt><dd>{formatUsd(record.costUsd)}</dd>
            <dt>Timing</dt><dd>{formatMs(record.durationMs)} total{record.timeToFirstTokenMs !== null ? ` · ${formatMs(record.timeToFirstTokenMs)} to first token` : ''}{record.upstreamAttempts && record.upstreamAttempts > 1 ? ` · ${record.upstreamAttempts} attempts` : ''}</dd>
          </dl>
          {refusing.length > 0 && (
            <section class="why" aria-label="Why it was refused">
              <h4>Why it was refused</h4>
              {refusing.map((decision, i) => <DecisionCard key={i} decision={decision} />)}
            </section>
          )}
          {decisions.length > refusing.length && (
            <details class="all-decisions">
              <summary>All decisions ({decisions.length})</summary>
              {decisions.map((decision, i) => <DecisionCard key={i} decision={decision} />)}
            </details>
          )}
          <h4>Request</h4>
          <pre class="body" aria-label="Request body">{prettyBody(record.requestBody)}</pre>
          <h4>Response</h4>
          <pre class="body" aria-label="Response body">{prettyBody(record.responseBody)}</pre>
        </>
      )}
    </aside>
  );
}
