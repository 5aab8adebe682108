/**
 * Fastify: register the plugin with a prefix.
 *
 *   npx tsx examples/fastify.ts        (PORT=0 picks a free port; ONESHOT=1 exits after one call)
 */
import Fastify from 'fastify';
import OpenAI from 'openai';
import { createProxy } from '@archestra/llm-proxy';
import { fastifyProxy } from '@archestra/llm-proxy/fastify';

const proxy = createProxy({
  providers: { openai: { baseUrl: process.env.ARCHESTRA_OPENAI_BASE_URL } },
});
const app = Fastify();
await app.register(fastifyProxy, { proxy, prefix: '/v1' });
const url = await app.listen({ port: Number(process.env.PORT ?? 9000), host: '127.0.0.1' });
console.log(`Fastify gateway on ${url}/v1/openai`);

const openai = new OpenAI({ apiKey: process.env.OPENAI_API_KEY, baseURL: `${url}/v1/openai` });
const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi!' }] });
console.log(completion.choices[0]?.message.content);
if (process.env.ONESHOT) {
  await app.close();
  await proxy.close();
}
