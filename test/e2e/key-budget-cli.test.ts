/**
 * `keys create --budget`: a virtual key with its own budget is refused 402 once its spend (real
 * requests, real SDK, prices from `pricing.models`) leaves no room, while another key goes on;
 * `keys list` shows the budget, `usage --by key` names the keys; a bad budget is explained.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxy, createProxyFetch, type Proxy } from '../../src/index.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';
import { runCli } from '../helpers/cli-server.js';

describe('keys create --budget', () => {
  let up: ScriptedOpenAI;
  let dir: string;
  let db: string;
  let proxy: Proxy;

  beforeAll(async () => {
    up = await startOpenAIUpstream();
    dir = mkdtempSync(join(tmpdir(), 'archestra-key-budget-'));
    db = join(dir, 'proxy.db');
  });
  afterAll(async () => {
    await proxy?.close();
    await up.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the key with a budget is refused 402 once over it; the other key is not; list and usage show it', async () => {
    // One at a time: concurrent first opens of a new file race on the migrations.
    const capped = await runCli(['keys', 'create', '--name', 'capped', '--budget', '3usd/month', '--db', db, '--json']);
    expect(capped.code, capped.stderr).toBe(0);
    const free = await runCli(['keys', 'create', '--name', 'free', '--db', db, '--json']);
    expect(free.code, free.stderr).toBe(0);
    const cappedKey = JSON.parse(capped.stdout);
    expect(cappedKey.budgets).toEqual([{ usd: 3, window: 'month' }]);

    // US dollars per million tokens: each answer below costs $1 + $1.
    proxy = createProxy({ store: db, providers: { openai: { baseUrl: up.baseUrl, apiKey: 'sk-upstream' } }, pricing: { models: { 'gpt-4o': { input: 1_000, output: 2_000 } } } });
    const serve = (key: string) => new OpenAI({ apiKey: key, baseURL: up.baseUrl, maxRetries: 0, fetch: createProxyFetch(proxy) });
    const ask = (key: string) => {
      up.reply({ kind: 'chat', content: 'ok', usage: { prompt_tokens: 1_000, completion_tokens: 500 } });
      return serve(key).chat.completions.create({ model: 'gpt-4o', max_tokens: 500, messages: [{ role: 'user', content: 'hi' }] });
    };
    // $2 spent of 3; the next one may cost just over $1 (its prompt and 500 answer tokens): no room.
    await ask(cappedKey.key);
    const refused = await ask(cappedKey.key).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.APIError);
    expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(402);
    expect((refused as Error).message).toContain('Budget "key:usd:month" exceeded: $3.00 per virtual key over the calendar month (UTC)');
    // The other key has no budget of its own: it goes on.
    const freeKey = JSON.parse(free.stdout).key as string;
    for (let i = 0; i < 3; i++) expect((await ask(freeKey)).choices[0]!.message.content).toBe('ok');
    await proxy.flush();

    const usage = await runCli(['usage', '--db', db, '--by', 'key']);
    expect(usage.code, usage.stderr).toBe(0);
    expect(usage.stdout.split('\n').slice(1, 4).map((line) => line.trim().split(/\s+/).slice(0, 6))).toEqual([
      ['key', 'spend_usd', 'unpriced', 'requests', 'refusals', 'input'],
      ['free', `(${JSON.parse(free.stdout).id})`, '6.00', '0', '3', '0'],
      ['capped', `(${cappedKey.id})`, '2.00', '0', '2', '1'],
    ]);
  }, 30_000);

  it('keys list shows the budget; a bad --budget is a usage error (exit 2), and no key is made', async () => {
    const bad = await runCli(['keys', 'create', '--name', 'typo', '--budget', '50usd/fortnight', '--db', db]);
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect(bad.stderr).toContain('--budget\'s window must be one of 1h, 24h, 7d, 30d, day, week, month; got "fortnight" in "50usd/fortnight".');
    const list = await runCli(['keys', 'list', '--db', db]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/ capped .* budget 3usd\/month\n/);
    expect(list.stdout).not.toContain('typo');
  }, 30_000);
});
