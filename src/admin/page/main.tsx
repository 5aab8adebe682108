/** The admin page: asks for the admin token once, then shows the proxies, the log, keys and usage. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { savedToken, saveToken, whenUnauthorized } from './api.js';
import { ApprovalsView } from './approvals.js';
import { InteractionsView } from './interactions.js';
import { KeysView } from './keys.js';
import { Login } from './login.js';
import { ProxiesView } from './proxies.js';
import { UsageView } from './usage.js';
import './app.css';

const TABS = [
  { id: 'proxies', label: 'LLM Proxies' },
  { id: 'interactions', label: 'Interactions' },
  { id: 'approvals', label: 'Approvals' },
  { id: 'keys', label: 'Keys' },
  { id: 'usage', label: 'Usage' },
] as const;

/** `#/interactions/int_1` -> ['interactions', 'int_1'] */
function readHash(): string[] {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  return parts[0] ? parts : ['proxies'];
}

function App() {
  const [token, setToken] = useState(savedToken());
  const [route, setRoute] = useState(readHash());
  useEffect(() => {
    const onHash = () => setRoute(readHash());
    addEventListener('hashchange', onHash);
    whenUnauthorized(() => {
      saveToken(null);
      setToken(null);
    });
    return () => removeEventListener('hashchange', onHash);
  }, []);

  if (!token) {
    return <Login onLogin={(value) => { saveToken(value); setToken(value); }} />;
  }
  const [tab, ...rest] = route;
  return (
    <div class="shell">
      <header class="top">
        <span class="brand">Archestra <b>LLM Proxy</b></span>
        <nav>
          {TABS.map(({ id, label }) => (
            <a key={id} href={`#/${id}`} class={tab === id ? 'active' : ''} aria-current={tab === id ? 'page' : undefined}>{label}</a>
          ))}
        </nav>
        <button class="link" onClick={() => { saveToken(null); setToken(null); }}>Sign out</button>
      </header>
      <main>
        {tab === 'interactions' ? <InteractionsView openId={rest[0] ?? null} />
          : tab === 'approvals' ? <ApprovalsView />
          : tab === 'keys' ? <KeysView />
          : tab === 'usage' ? <UsageView />
          : <ProxiesView />}
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
