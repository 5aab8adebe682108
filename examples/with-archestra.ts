/**
 * Wrap a client in one line: same type back, every call through the proxy with your ids.
 *
 *   OPENAI_API_KEY=sk-... npx tsx examples/with-archestra.ts
 */
import OpenAI from 'openai';
import { createProxy, withArchestra } from '@archestra/llm-proxy';

const proxy = createProxy({
  providers: { openai: { baseUrl: process.env.ARCHESTRA_OPENAI_BASE_URL } },
});
const openai = withArchestra(new OpenAI({ apiKey: process.env.OPENAI_API_KEY }), {
  proxy,
  agentId: 'billing-bot',
  sessionId: 'session-42',
});

const stream = await openai.chat.completions.create({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Count to three.' }],
  stream: true,
});
for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta.content ?? '');
process.stdout.write('\n');

await proxy.flush();
const [row] = await proxy.store.listInteractions({ limit: 1 });
console.log('audit:', row?.agentId, row?.sessionId, row?.stream, row?.timeToFirstTokenMs, row?.outputTokens);
await proxy.close();
