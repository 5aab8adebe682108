/**
 * A shared gateway in an Express app: clients use baseURL http://127.0.0.1:9000/v1/openai.
 *
 *   npx tsx examples/express.ts        (PORT=0 picks a free port; ONESHOT=1 exits after one call)
 */
import express from 'express';
import OpenAI from 'openai';
import { createProxy } from '@archestra/llm-proxy';
import { expressProxy } from '@archestra/llm-proxy/express';

const proxy = createProxy({
  providers: { openai: { baseUrl: process.env.ARCHESTRA_OPENAI_BASE_URL } },
});
const app = express();
app.use('/v1', expressProxy(proxy));

const server = app.listen(Number(process.env.PORT ?? 9000), '127.0.0.1', async () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 9000;
  console.log(`Express gateway on http://127.0.0.1:${port}/v1/openai`);

  // A client of the gateway: any OpenAI SDK, pointed at it.
  const openai = new OpenAI({ apiKey: process.env.OPENAI_API_KEY, baseURL: `http://127.0.0.1:${port}/v1/openai` });
  const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi!' }] });
  console.log(completion.choices[0]?.message.content);
  if (process.env.ONESHOT) server.close(() => void proxy.close());
});
