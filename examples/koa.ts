/**
 * Koa: the proxy under /v1, the rest of the app untouched.
 *
 *   npx tsx examples/koa.ts        (PORT=0 picks a free port; ONESHOT=1 exits after one call)
 */
import Koa from 'koa';
import OpenAI from 'openai';
import { createProxy } from '@archestra/llm-proxy';
import { koaProxy } from '@archestra/llm-proxy/koa';

const proxy = createProxy({
  providers: { openai: { baseUrl: process.env.ARCHESTRA_OPENAI_BASE_URL } },
});
const app = new Koa();
app.use(koaProxy(proxy, { prefix: '/v1' }));

const server = app.listen(Number(process.env.PORT ?? 9000), '127.0.0.1', async () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 9000;
  console.log(`Koa gateway on http://127.0.0.1:${port}/v1/openai`);

  const openai = new OpenAI({ apiKey: process.env.OPENAI_API_KEY, baseURL: `http://127.0.0.1:${port}/v1/openai` });
  const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi!' }] });
  console.log(completion.choices[0]?.message.content);
  if (process.env.ONESHOT) server.close(() => void proxy.close());
});
