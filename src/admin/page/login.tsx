/** Asks for the admin token once; it is checked against the API and kept in sessionStorage. */
import { useState } from 'preact/hooks';
import { ApiFailure, api } from './api.js';

export function Login({ onLogin }: { onLogin: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('profiles', { token: token.trim() });
      onLogin(token.trim());
    } catch (failure) {
      setError(failure instanceof ApiFailure && failure.status === 401 ? 'That token was not accepted.' : (failure as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="login card" onSubmit={submit}>
      <h1>Archestra <b>LLM Proxy</b></h1>
      <p class="muted">Sign in with the admin token (<code>admin.token</code>, or <code>ARCHESTRA_ADMIN_TOKEN</code> for the bundled server). It is kept in this tab only.</p>
      <label>
        Admin token
        <input name="token" type="password" autoComplete="current-password" value={token} onInput={(e) => setToken(e.currentTarget.value)} required autoFocus />
      </label>
      {error && <p class="error" role="alert">{error}</p>}
      <button type="submit" disabled={busy}>{busy ? 'Checking…' : 'Sign in'}</button>
    </form>
  );
}
