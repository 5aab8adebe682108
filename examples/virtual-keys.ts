/**
 * Virtual keys: a key works with the proxy whose store it was made in. Made here in the SQLite
 * file `archestra-proxy serve` uses (`--db`, ARCHESTRA_DB, default ./archestra.db), it works both
 * in this process and against that server; made in the default in-memory store, it would work
 * only in this process.
 *
 *   OPENAI_API_KEY=sk-... npx tsx examples/virtual-keys.ts
 */
import OpenAI from 'openai';
import { createProxy, createProxyFetch } from '@archestra/llm-proxy';

const proxy = createProxy({
  // The upstream key stays here; callers get a virtual key that stands for it.
  providers: { openai: { baseUrl: process.env.ARCHESTRA_OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY } },
  store: process.env.ARCHESTRA_DB ?? './archestra.db',
  // Only virtual keys (and JWTs) get through: a caller cannot use the configured key by sending none.
  auth: { providerKeys: false },
});

const { key, id } = await proxy.keys.create({ name: 'billing-bot', providers: ['openai'], expiresAt: new Date(Date.now() + 86_400_000) });
// In process; against `archestra-proxy serve` on the same file: baseURL 'http://127.0.0.1:9000/v1/openai'.
const openai = new OpenAI({ apiKey: key, maxRetries: 0, fetch: createProxyFetch(proxy) });
const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi!' }] });
console.log(completion.choices[0]?.message.content);

await proxy.keys.revoke(id);
const refused = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi again!' }] }).catch((error: { status?: number }) => error);
console.log('after revoke:', 'status' in refused ? refused.status : 'answered');
await proxy.close();
