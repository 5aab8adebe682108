/** Virtual keys: the list (never the key), create (the key shown once), revoke. */
import { useEffect, useState } from 'preact/hooks';
import { ApiFailure, api } from './api.js';
import type { KeyRecord, Profile } from './api-types.js';
import { formatTime } from './format.js';

export function KeysView() {
  const [keys, setKeys] = useState<KeyRecord[] | null>(null);
  const [profiles, setProfiles] = useState<Profile[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [issued, setIssued] = useState<{ key: string; name: string } | null>(null);

  async function load() {
    try {
      setKeys((await api<{ keys: KeyRecord[] }>('keys')).keys);
      setError(null);
    } catch (failure) {
      setError((failure as Error).message);
    }
  }
  useEffect(() => {
    void load();
    api<{ profiles: Profile[] }>('profiles').then((json) => setProfiles(json.profiles), () => {});
  }, []);

  async function revoke(key: KeyRecord) {
    if (!confirm(`Revoke the key "${key.name}"? Requests with it are refused from now on.`)) return;
    try {
      await api(`keys/${encodeURIComponent(key.id)}/revoke`, { method: 'POST' });
      await load();
    } catch (failure) {
      setError((failure as Error).message);
    }
  }

  return (
    <section>
      <h2>Virtual keys</h2>
      <p class="muted">A virtual key stands for the provider's key: clients send it instead, and it can be revoked here.</p>
      {error && <p class="error" role="alert">{error}</p>}
      {issued && (
        <div class="card issued" role="status">
          <b>Key "{issued.name}" created.</b> Copy it now: it is not shown again.
          <div class="copy-row">
            <input readOnly value={issued.key} aria-label="New key" onFocus={(e) => e.currentTarget.select()} />
            <button onClick={() => void navigator.clipboard?.writeText(issued.key)}>Copy</button>
            <button class="link" onClick={() => setIssued(null)}>Done</button>
          </div>
        </div>
      )}
      <table class="list" aria-label="Keys">
        <thead><tr><th>Name</th><th>Id</th><th>Proxy</th><th>Budget</th><th>Created</th><th>State</th><th /></tr></thead>
        <tbody>
          {keys?.map((key) => (
            <tr key={key.id} data-key={key.id} class={key.revokedAt ? 'revoked' : ''}>
              <td><b>{key.name}</b></td>
              <td><code>{key.keyPrefix ? `${key.keyPrefix}…` : key.id}</code></td>
              <td>{key.proxyId ?? key.proxyIds?.join(', ') ?? 'any'}</td>
              <td>{describeBudget(key)}</td>
              <td>{formatTime(key.createdAt)}</td>
              <td>{key.revokedAt ? <span class="badge bad">revoked {formatTime(key.revokedAt)}</span> : <span class="badge good">active</span>}</td>
              <td class="actions">{!key.revokedAt && <button class="danger" onClick={() => void revoke(key)}>Revoke</button>}</td>
            </tr>
          ))}
          {keys?.length === 0 && <tr><td colSpan={7} class="muted">No keys yet.</td></tr>}
        </tbody>
      </table>
      <CreateKey profiles={profiles} onCreated={async (key, name) => { setIssued({ key, name }); await load(); }} />
    </section>
  );
}

function describeBudget(key: KeyRecord): string {
  const budgets = key.budgets ?? (Array.isArray(key.budget) ? key.budget : key.budget ? [key.budget] : []);
  return (budgets as { usd?: number; tokens?: number; window?: string }[])
    .map((budget) => `${budget.usd !== undefined ? `$${budget.usd}` : `${budget.tokens} tokens`}/${budget.window ?? '?'}`)
    .join(', ') || '–';
}

function CreateKey({ profiles, onCreated }: { profiles: Profile[]; onCreated: (key: string, name: string) => Promise<void> }) {
  const [name, setName] = useState('');
  const [proxyId, setProxyId] = useState('');
  const [budget, setBudget] = useState('');
  const [error, setError] = useState<string | null>(null);

  async function submit(event: Event) {
    event.preventDefault();
    setError(null);
    try {
      const created = await api<{ key: string }>('keys', { method: 'POST', body: { name: name.trim(), ...(proxyId ? { proxyId } : {}), ...(budget.trim() ? { budget: budget.trim() } : {}) } });
      setName('');
      setBudget('');
      await onCreated(created.key, name.trim());
    } catch (failure) {
      setError(`${(failure as Error).message}${failure instanceof ApiFailure && failure.field ? ` (${failure.field})` : ''}`);
    }
  }

  return (
    <form class="card create" onSubmit={submit} aria-label="Create a key">
      <h3>Create a key</h3>
      <div class="row">
        <label class="grow">Name<input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="billing-bot" required /></label>
        <label>LLM proxy
          <select name="proxyId" value={proxyId} onChange={(e) => setProxyId(e.currentTarget.value)}>
            <option value="">any</option>
            {profiles.map((profile) => <option key={profile.id} value={profile.id}>{profile.id}</option>)}
          </select>
        </label>
        <label>Budget (optional)<input name="budget" value={budget} onInput={(e) => setBudget(e.currentTarget.value)} placeholder="50usd/month" /></label>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      <button type="submit" class="primary">Create key</button>
    </form>
  );
}
