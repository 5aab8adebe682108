/** "LLM Proxies": the profiles (config ones read-only), a form to create one, Connect per profile. */
import { useEffect, useState } from 'preact/hooks';
import { ApiFailure, api } from './api.js';
import type { Profile } from './api-types.js';
import { ConnectDialog } from './connect-dialog.js';
import { formatTime } from './format.js';

export function ProxiesView() {
  const [profiles, setProfiles] = useState<Profile[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [connecting, setConnecting] = useState<Profile | null>(null);

  async function load() {
    try {
      setProfiles((await api<{ profiles: Profile[] }>('profiles')).profiles);
      setError(null);
    } catch (failure) {
      setError((failure as Error).message);
    }
  }
  useEffect(() => void load(), []);

  async function remove(profile: Profile) {
    if (!confirm(`Delete the LLM proxy "${profile.id}"? Clients using its URL will get errors.`)) return;
    try {
      await api(`profiles/${encodeURIComponent(profile.id)}`, { method: 'DELETE' });
      await load();
    } catch (failure) {
      setError((failure as Error).message);
    }
  }

  return (
    <section>
      <h2>LLM Proxies</h2>
      <p class="muted">Each LLM proxy has its own policies, keys and limits. Point an SDK's base URL at its Connect URL.</p>
      {error && <p class="error" role="alert">{error}</p>}
      <table class="list" aria-label="LLM proxies">
        <thead><tr><th>Name</th><th>Description</th><th>Source</th><th>Created</th><th /></tr></thead>
        <tbody>
          {profiles?.map((profile) => (
            <tr key={profile.id} data-proxy={profile.id}>
              <td><b>{profile.id}</b></td>
              <td>{profile.description ?? ''}</td>
              <td>{profile.readOnly ? <span class="tag" title="Defined in the config file">config · read-only</span> : <span class="tag store">created here</span>}</td>
              <td>{formatTime(profile.createdAt)}</td>
              <td class="actions">
                <button onClick={() => setConnecting(profile)}>Connect</button>
                {!profile.readOnly && <button class="danger" onClick={() => void remove(profile)}>Delete</button>}
              </td>
            </tr>
          ))}
          {profiles?.length === 0 && <tr><td colSpan={5} class="muted">No LLM proxies yet.</td></tr>}
        </tbody>
      </table>
      <CreateProxy onCreated={load} />
      {connecting && <ConnectDialog profile={connecting} onClose={() => setConnecting(null)} />}
    </section>
  );
}

/** The create form: a name, a description, and optionally the profile's settings as JSON. */
function CreateProxy({ onCreated }: { onCreated: () => Promise<void> }) {
  const [id, setId] = useState('');
  const [description, setDescription] = useState('');
  const [settings, setSettings] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setError(null);
    let extra: Record<string, unknown> = {};
    if (settings.trim()) {
      try {
        extra = JSON.parse(settings) as Record<string, unknown>;
      } catch {
        setError('Settings: not valid JSON.');
        return;
      }
      if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) {
        setError('Settings: expected a JSON object such as {"policies": {...}, "limits": {...}}.');
        return;
      }
    }
    setBusy(true);
    try {
      await api('profiles', { method: 'POST', body: { ...extra, id: id.trim(), ...(description.trim() ? { description: description.trim() } : {}) } });
      setId('');
      setDescription('');
      setSettings('');
      await onCreated();
    } catch (failure) {
      const field = failure instanceof ApiFailure && failure.field ? ` (${failure.field})` : '';
      setError(`${(failure as Error).message}${field}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="card create" onSubmit={submit} aria-label="Create an LLM proxy">
      <h3>Create an LLM proxy</h3>
      <div class="row">
        <label>Name<input name="id" value={id} onInput={(e) => setId(e.currentTarget.value)} placeholder="support-bot" pattern="[A-Za-z0-9][A-Za-z0-9_.\-]*" required /></label>
        <label class="grow">Description<input name="description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} placeholder="What it is for" /></label>
      </div>
      <details>
        <summary>Policies, limits and auth (JSON, optional)</summary>
        <textarea name="settings" rows={6} value={settings} onInput={(e) => setSettings(e.currentTarget.value)} placeholder={'{ "policies": { "tools": { ... } }, "limits": { ... } }'} />
      </details>
      {error && <p class="error" role="alert">{error}</p>}
      <button type="submit" disabled={busy}>{busy ? 'Creating…' : 'Create'}</button>
    </form>
  );
}
