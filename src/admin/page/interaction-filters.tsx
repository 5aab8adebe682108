/** The log's filters: who, which provider and model, how it ended, refused only, a time range. */
import { useState } from 'preact/hooks';

export interface Filters {
  agentId: string;
  userId: string;
  sessionId: string;
  executionId: string;
  provider: string;
  model: string;
  outcome: string;
  refused: boolean;
  /** `datetime-local` values, local time. */
  from: string;
  to: string;
}

export const NO_FILTERS: Filters = { agentId: '', userId: '', sessionId: '', executionId: '', provider: '', model: '', outcome: '', refused: false, from: '', to: '' };

const PROVIDERS = ['openai', 'anthropic', 'gemini', 'vllm', 'ollama'];
const OUTCOMES = ['ok', 'rejected', 'upstream_error', 'upstream_unreachable', 'client_aborted', 'rate_limited', 'over_budget', 'started'];

/** The query parameters of the API for these filters (times as ISO 8601). */
export function filterParams(filters: Filters): Record<string, string | boolean> {
  const iso = (local: string) => (local ? new Date(local).toISOString() : '');
  return { ...filters, from: iso(filters.from), to: iso(filters.to) };
}

export function FilterBar({ value, onApply }: { value: Filters; onApply: (filters: Filters) => void }) {
  const [draft, setDraft] = useState(value);
  const text = (name: keyof Filters, label: string) => (
    <label>{label}<input name={name} value={draft[name] as string} onInput={(e) => setDraft({ ...draft, [name]: e.currentTarget.value })} /></label>
  );
  const choice = (name: keyof Filters, label: string, options: string[]) => (
    <label>{label}
      <select name={name} value={draft[name] as string} onChange={(e) => setDraft({ ...draft, [name]: e.currentTarget.value })}>
        <option value="">any</option>
        {options.map((option) => <option key={option} value={option}>{option}</option>)}
      </select>
    </label>
  );
  return (
    <form class="filters card" aria-label="Filters" onSubmit={(e) => { e.preventDefault(); onApply(draft); }}>
      {text('agentId', 'Agent')}
      {text('userId', 'User')}
      {text('sessionId', 'Session')}
      {text('executionId', 'Execution')}
      {choice('provider', 'Provider', PROVIDERS)}
      {text('model', 'Model')}
      {choice('outcome', 'Outcome', OUTCOMES)}
      <label>From<input type="datetime-local" name="from" step={1} value={draft.from} onInput={(e) => setDraft({ ...draft, from: e.currentTarget.value })} /></label>
      <label>To<input type="datetime-local" name="to" step={1} value={draft.to} onInput={(e) => setDraft({ ...draft, to: e.currentTarget.value })} /></label>
      <label class="check"><input type="checkbox" name="refused" checked={draft.refused} onChange={(e) => setDraft({ ...draft, refused: e.currentTarget.checked })} />Refused only</label>
      <div class="filter-actions">
        <button type="submit" class="primary">Apply</button>
        <button type="button" onClick={() => { setDraft(NO_FILTERS); onApply(NO_FILTERS); }}>Clear</button>
      </div>
    </form>
  );
}
