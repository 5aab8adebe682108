import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/index.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';
import { startCli } from '../helpers/cli-server.js';

function exitCode(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('bundled server (archestra-proxy serve)', () => {
  let up: ScriptedOpenAI;
  let dir: string;

  beforeAll(async () => {
    up = await startOpenAIUpstream();
    dir = mkdtempSync(join(tmpdir(), 'archestra-cli-'));
  });
  afterAll(() => up.close());

  it('serves the OpenAI SDK from environment configuration, exposes /healthz and /metrics, and flushes the audit log on SIGTERM', async () => {
    const db = join(dir, 'env.db');
    const { child, url, output } = await startCli(['--port', '0'], { ARCHESTRA_OPENAI_BASE_URL: up.baseUrl, ARCHESTRA_DB: db });
    expect(output()).toContain(`${url}/v1/openai`);
    const client = new OpenAI({ apiKey: 'sk-cli-test', baseURL: `${url}/v1/openai`, maxRetries: 0, defaultHeaders: { 'X-Archestra-Meta': 'cli-agent/exec-1/session-9' } });

    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]?.message.content).toBe('Hello from the scripted upstream.');
    let streamed = '';
    for await (const chunk of await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true })) {
      streamed += chunk.choices[0]?.delta.content ?? '';
    }
    expect(streamed).toBe('Hello from the scripted upstream.');
    expect(up.requests.at(-1)?.headers.authorization).toBe('Bearer sk-cli-test');

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/llm_request_duration_seconds_count\{[^}]*provider="openai"[^}]*status_code="200"\} 2/);
    expect(metrics).toMatch(/agent_executions_total\{external_agent_id="cli-agent"\} 1/);

    child.kill('SIGTERM');
    expect(await exitCode(child)).toBe(0);
    const store = createSqliteStore(db);
    const rows = await store.listInteractions();
    store.close();
    expect(rows).toHaveLength(2);
    expect(rows.map((row) => [row.agentId, row.executionId, row.sessionId, row.stream, row.outputTokens])).toEqual([
      ['cli-agent', 'exec-1', 'session-9', true, 7],
      ['cli-agent', 'exec-1', 'session-9', false, 7],
    ]);
  });

  it('reads --config: upstream base URL and named profiles, printed as Connect URLs', async () => {
    const configPath = join(dir, 'proxy.json');
    writeFileSync(configPath, JSON.stringify({ server: { port: 0 }, store: join(dir, 'file.db'), providers: { openai: { baseUrl: up.baseUrl } }, profiles: { 'support-bot': {} } }));
    const { child, url, output } = await startCli(['--config', configPath], {});
    expect(output()).toContain(`${url}/v1/openai/support-bot`);
    const client = new OpenAI({ apiKey: 'sk-cli-test', baseURL: `${url}/v1/openai/support-bot`, maxRetries: 0 });
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toContain('gpt-4o-mini');
    child.kill('SIGTERM');
    expect(await exitCode(child)).toBe(0);
  });

  it('refuses an invalid config file with a message naming the field', async () => {
    const configPath = join(dir, 'bad.json');
    writeFileSync(configPath, JSON.stringify({ server: { port: 0 }, providers: { openai: { baseUrl: 'not a url' } } }));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', configPath]);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await exitCode(child)).toBe(1);
    expect(stderr).toContain('providers.openai.baseUrl');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
