/**
 * The interactions log: newest first, filtered, live (the API is asked every ~2 s for rows newer
 * than the newest shown), paged by cursor; a row opens its detail.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, query } from './api.js';
import type { InteractionPage, InteractionSummary } from './api-types.js';
import { formatLogTime, formatMs, formatNumber, formatUsd } from './format.js';
import { FilterBar, type Filters, NO_FILTERS, filterParams } from './interaction-filters.js';
import { InteractionDetail } from './interaction-detail.js';

const PAGE_SIZE = 50;
const POLL_MS = 2_000;
/** The most rows the page keeps: a log left open all day stays small. */
const MAX_ROWS = 500;

export function InteractionsView({ openId }: { openId: string | null }) {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [rows, setRows] = useState<InteractionSummary[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [live, setLive] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  // The poller reads the latest rows without restarting on every change.
  const rowsRef = useRef(rows);
  rowsRef.current = rows;

  const params = (extra: Record<string, string | number>) => query({ ...filterParams(filters), ...extra });

  useEffect(() => {
    let stale = false;
    setLoaded(false);
    api<InteractionPage>(`interactions${params({ limit: PAGE_SIZE })}`).then(
      (page) => {
        if (stale) return;
        setRows(page.interactions);
        setNextCursor(page.nextCursor);
        setFresh(new Set());
        setError(null);
        setLoaded(true);
      },
      (failure: Error) => !stale && setError(failure.message),
    );
    return () => { stale = true; };
  }, [filters]);

  useEffect(() => {
    if (!live || !loaded) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const poll = async () => {
      if (!document.hidden) {
        try {
          await pollOnce();
          setError(null);
        } catch (failure) {
          if (!stopped) setError((failure as Error).message);
        }
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    };
    const pollOnce = async () => {
      const shown = rowsRef.current;
      const newest = shown[0]?.id;
      const page = await api<InteractionPage>(`interactions${params(newest ? { after: newest, limit: 100 } : { limit: PAGE_SIZE })}`);
      // A request still running shows as `started` until its final row replaces it.
      const running = shown.some((row) => row.outcome === 'started');
      const again = running ? (await api<InteractionPage>(`interactions${params({ limit: PAGE_SIZE })}`)).interactions : [];
      if (stopped) return;
      const known = new Set(shown.map((row) => row.id));
      const added = page.interactions.filter((row) => !known.has(row.id));
      const updates = new Map([...again, ...page.interactions].map((row) => [row.id, row]));
      if (added.length === 0 && updates.size === 0) return;
      setRows((current) => [...added, ...current.map((row) => updates.get(row.id) ?? row)].slice(0, MAX_ROWS));
      if (added.length > 0) setFresh(new Set(added.map((row) => row.id)));
    };
    timer = setTimeout(poll, POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [live, loaded, filters]);

  async function more() {
    if (!nextCursor) return;
    try {
      const page = await api<InteractionPage>(`interactions${params({ limit: PAGE_SIZE, cursor: nextCursor })}`);
      const known = new Set(rows.map((row) => row.id));
      setRows([...rows, ...page.interactions.filter((row) => !known.has(row.id))]);
      setNextCursor(page.nextCursor);
    } catch (failure) {
      setError((failure as Error).message);
    }
  }

  return (
    <section>
      <div class="heading">
        <h2>Interactions</h2>
        <label class="check live"><input type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} /><span class={live ? 'dot on' : 'dot'} />Live</label>
      </div>
      <FilterBar value={filters} onApply={setFilters} />
      {error && <p class="error" role="alert">{error}</p>}
      <table class="list log" aria-label="Interactions">
        <thead>
          <tr><th>Time</th><th>Proxy</th><th>Agent</th><th>Provider · model</th><th>Outcome</th><th class="num">Tokens in/out</th><th class="num">Cost</th><th class="num">Duration</th></tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-id={row.id} class={`${row.refused ? 'refused' : ''} ${fresh.has(row.id) ? 'fresh' : ''} ${row.id === openId ? 'selected' : ''}`} onClick={() => { location.hash = `#/interactions/${encodeURIComponent(row.id)}`; }}>
              <td><a href={`#/interactions/${encodeURIComponent(row.id)}`}>{formatLogTime(row.startedAt)}</a></td>
              <td>{row.proxyId}</td>
              <td>{row.agentId ?? ''}</td>
              <td>{row.provider ?? '?'} · {row.model ?? row.operation ?? ''}</td>
              <td><Outcome row={row} /></td>
              <td class="num">{formatNumber(row.inputTokens)} / {formatNumber(row.outputTokens)}</td>
              <td class="num">{formatUsd(row.costUsd)}</td>
              <td class="num">{formatMs(row.durationMs)}</td>
            </tr>
          ))}
          {loaded && rows.length === 0 && <tr><td colSpan={8} class="muted">No interactions{filters === NO_FILTERS ? ' yet' : ' match these filters'}.</td></tr>}
        </tbody>
      </table>
      {nextCursor && <button class="more" onClick={() => void more()}>Older</button>}
      {openId && <InteractionDetail id={openId} onClose={() => { location.hash = '#/interactions'; }} />}
    </section>
  );
}

function Outcome({ row }: { row: InteractionSummary }) {
  if (row.refused) {
    return <span class="badge bad" title={row.refusalReason ?? ''}>refused{row.refusalReason ? `: ${shorten(row.refusalReason)}` : ''}</span>;
  }
  const good = row.outcome === 'ok';
  return <span class={`badge ${good ? 'good' : row.outcome === 'started' ? '' : 'warn'}`}>{row.outcome}{good ? '' : ` · ${row.status}`}</span>;
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
