/**
 * `serve --config proxy.config.ts`: the bundled server takes a TypeScript config written with
 * `defineConfig()` (its default export), serves its profiles at the upstream it names, and a
 * broken module stops it with one message (exit 1).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanCliEnv, refusedCli, startCli } from '../helpers/cli-server.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

describe('archestra-proxy serve --config <module>', () => {
  let up: ScriptedOpenAI;
  let dir: string;
  beforeAll(async () => {
    up = await startOpenAIUpstream();
    dir = mkdtempSync(join(tmpdir(), 'archestra-config-module-cli-'));
  });
  afterAll(async () => {
    await up.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a .ts config from defineConfig() is served: its profile, its upstream', async () => {
    const config = join(dir, 'proxy.config.ts');
    writeFileSync(config, `import { defineConfig } from ${JSON.stringify(resolve('src/index.ts'))};
export default defineConfig({
  providers: { openai: { baseUrl: ${JSON.stringify(up.baseUrl)} } },
  profiles: { 'support-bot': {} },
  store: ${JSON.stringify(join(dir, 'proxy.db'))},
});
`);
    const server = await startCli(['--config', config, '--port', '0'], cleanCliEnv() as Record<string, string>);
    try {
      expect(server.output()).toMatch(new RegExp(`support-bot +openai +http://\\S+/v1/openai/support-bot +-> ${up.baseUrl.replace(/[.]/g, '\\.')}`));
      const openai = new OpenAI({ apiKey: 'sk-test-module', baseURL: `${server.url}/v1/openai/support-bot`, maxRetries: 0 });
      const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
      expect(completion.choices[0]?.message.content).toBe('Hello from the scripted upstream.');
    } finally {
      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
    }
  }, 60_000);

  it('a module without a default export stops the server with one message, exit 1', async () => {
    const config = join(dir, 'broken.config.mjs');
    writeFileSync(config, 'export const config = {};\n');
    const refused = await refusedCli(['--config', config, '--port', '0']);
    expect(refused).toEqual({ code: 1, stderr: `The config file ${config} must have a default export holding the config object (export default defineConfig({ ... })); its default export is missing.\n` });
  }, 30_000);
});
