/**
 * The bundled server, as `npx archestra-proxy serve` (or `npm start` here) runs it, then one call
 * from the OpenAI SDK. Start the real thing with:
 *
 *   ARCHESTRA_OPENAI_BASE_URL=http://127.0.0.1:8000/v1 npx archestra-proxy serve --config proxy.json
 *
 * This file does the same from code:  npx tsx examples/bundled-server.ts   (ONESHOT=1 exits after one call)
 */
import { spawn } from 'node:child_process';
import OpenAI from 'openai';

const server = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', process.env.PORT ?? '9000'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise<string>((resolve) => {
  let banner = '';
  server.stdout.on('data', (chunk: Buffer) => {
    banner += chunk.toString();
    process.stdout.write(chunk);
    const match = /listening on (\S+)/.exec(banner);
    if (match?.[1]) resolve(match[1]);
  });
});

const openai = new OpenAI({ apiKey: process.env.OPENAI_API_KEY, baseURL: `${url}/v1/openai` });
const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi!' }] });
console.log(completion.choices[0]?.message.content);
console.log((await (await fetch(`${url}/metrics`)).text()).split('\n').find((line) => line.startsWith('llm_tokens_total')));
if (process.env.ONESHOT) server.kill('SIGTERM');
