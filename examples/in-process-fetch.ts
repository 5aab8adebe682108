/**
 * In-process: the OpenAI SDK calls the proxy as its `fetch`; the proxy forwards to the upstream.
 *
 *   OPENAI_API_KEY=sk-... npx tsx examples/in-process-fetch.ts
 *   (ARCHESTRA_OPENAI_BASE_URL points the proxy at another OpenAI-compatible upstream.)
 */
import OpenAI from 'openai';
import { createProxy, createProxyFetch } from '@archestra/llm-proxy';

const proxy = createProxy({
  providers: { openai: { baseUrl: process.env.ARCHESTRA_OPENAI_BASE_URL } },
});
const openai = new OpenAI({
  apiKey: process.env.OPENAI_API_KEY,
  fetch: createProxyFetch(proxy, { agentId: 'example-agent', sessionId: 'session-1' }),
});

const completion = await openai.chat.completions.create({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Say hello in five words.' }],
});
console.log(completion.choices[0]?.message.content);

await proxy.flush();
const [row] = await proxy.store.listInteractions({ limit: 1 });
console.log('audit:', row?.provider, row?.model, row?.status, row?.inputTokens, row?.outputTokens, row?.agentId);
await proxy.close();
