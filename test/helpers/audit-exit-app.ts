/**
 * An application as the README shows it, run as a child process by test/e2e/audit-exit.test.ts:
 * it makes CALLS calls through `createProxyFetch` and `withArchestra` (a file store at DB, the
 * scripted upstream at UPSTREAM), never calls `flush()` or `close()`, and then ends as END says:
 * - `natural`: nothing more; the event loop runs dry;
 * - `exit`: `process.exit(0)` at once;
 * - `signal`: prints `called` and waits for a signal (the test sends SIGTERM or SIGINT);
 * - `own-handler`: the same, but with its own SIGTERM handler that exits 3 a moment later.
 * DURABILITY and FLUSH_MS set `audit.durability` and `audit.flushIntervalMs`.
 */
import OpenAI from 'openai';
import { createProxy, createProxyFetch, withArchestra } from '../../src/index.js';

const env = process.env;
const proxy = createProxy({
  store: env.DB!,
  providers: { openai: { baseUrl: env.UPSTREAM! } },
  audit: { durability: env.DURABILITY as 'commit' | 'batched', flushIntervalMs: Number(env.FLUSH_MS ?? 20) },
});
const calls = Number(env.CALLS ?? 4);
const viaFetch = new OpenAI({ apiKey: 'sk-exit-test', baseURL: env.UPSTREAM, maxRetries: 0, fetch: createProxyFetch(proxy, { agentId: 'exit-app' }) });
const wrapped = withArchestra(new OpenAI({ apiKey: 'sk-exit-test', baseURL: env.UPSTREAM, maxRetries: 0 }), { proxy, agentId: 'exit-app' });

await Promise.all(Array.from({ length: calls }, (_, i) => {
  const client = i % 2 === 0 ? viaFetch : wrapped;
  return client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `call ${i}` }] }, { headers: { 'X-Archestra-Execution-Id': `call-${i}` } });
}));

if (env.END === 'exit') process.exit(0);
if (env.END === 'own-handler') {
  process.on('SIGTERM', () => setTimeout(() => process.exit(3), 20));
}
if (env.END === 'signal' || env.END === 'own-handler') {
  // Something to wait on, as a server would have; the signal ends it.
  setInterval(() => {}, 60_000);
  console.log('called');
}
