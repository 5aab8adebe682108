/** "Connect": choose the provider, copy the URL an SDK's base URL is set to. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Profile } from './api-types.js';

const PROVIDER_LABELS: Record<string, string> = { openai: 'OpenAI', anthropic: 'Anthropic', gemini: 'Gemini', vllm: 'vLLM', ollama: 'Ollama' };

/** How each SDK takes the URL. */
const SNIPPETS: Record<string, (url: string) => string> = {
  openai: (url) => `new OpenAI({ baseURL: '${url}' })`,
  anthropic: (url) => `new Anthropic({ baseURL: '${url}' })`,
  gemini: (url) => `new GoogleGenAI({ apiKey, httpOptions: { baseUrl: '${url}' } })`,
  vllm: (url) => `new OpenAI({ baseURL: '${url}' })`,
  ollama: (url) => `new Ollama({ host: '${url}' })`,
};

export function ConnectDialog({ profile, onClose }: { profile: Profile; onClose: () => void }) {
  const providers = Object.keys(profile.connect);
  const [provider, setProvider] = useState(providers[0] ?? 'openai');
  const [copied, setCopied] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const field = useRef<HTMLInputElement>(null);
  const url = profile.connect[provider] ?? '';

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  async function copy() {
    try {
      await navigator.clipboard.writeText(url);
    } catch {
      // No clipboard API (a page served over plain http to another host): copy the selected text.
      field.current?.select();
      document.execCommand('copy');
    }
    setCopied(url);
  }

  return (
    <dialog ref={dialog} class="connect" aria-label={`Connect to ${profile.id}`} onClose={onClose}>
      <h3>Connect to <b>{profile.id}</b></h3>
      <p class="muted">Choose the LLM provider you use and put this URL where the SDK takes its base URL.</p>
      <div class="providers" role="tablist">
        {providers.map((name) => (
          <button key={name} role="tab" aria-selected={name === provider} class={name === provider ? 'active' : ''} onClick={() => { setProvider(name); setCopied(null); }}>
            {PROVIDER_LABELS[name] ?? name}
          </button>
        ))}
      </div>
      <div class="copy-row">
        <input ref={field} readOnly value={url} aria-label="Connect URL" onFocus={(e) => e.currentTarget.select()} />
        <button class="primary" onClick={() => void copy()}>Copy</button>
      </div>
      <p class="copied" aria-live="polite">{copied === url ? 'Copied to the clipboard.' : '\u00a0'}</p>
      <pre class="snippet">{(SNIPPETS[provider] ?? SNIPPETS.openai!)(url)}</pre>
      <div class="dialog-actions"><button onClick={() => dialog.current?.close()}>Close</button></div>
    </dialog>
  );
}
