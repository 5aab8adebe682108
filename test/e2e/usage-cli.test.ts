/**
 * `archestra-proxy usage`: the spend of real requests (real SDK, scripted upstream with known
 * usage, prices from `pricing.models`) read back from the SQLite file by the CLI, as a table
 * sorted by spend and as JSON; unknown costs counted apart, refusals counted; bad flags explained.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxy, createProxyFetch, type Proxy } from '../../src/index.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';
import { runCli } from '../helpers/cli-server.js';

describe('archestra-proxy usage, on a file filled by real requests', () => {
  let up: ScriptedOpenAI;
  let dir: string;
  let db: string;

  beforeAll(async () => {
    up = await startOpenAIUpstream();
    dir = mkdtempSync(join(tmpdir(), 'archestra-usage-cli-'));
    db = join(dir, 'proxy.db');
    // US dollars per million tokens: 1000 prompt and 500 answer tokens cost $1 + $1.
    const proxy: Proxy = createProxy({
      store: db,
      providers: { openai: { baseUrl: up.baseUrl } },
      pricing: { models: { 'gpt-4o': { input: 1_000, output: 2_000 } } },
      limits: { rate: [{ scope: 'agent', requestsPerMinute: 2 }] },
    });
    const client = (agentId: string) => new OpenAI({ apiKey: 'sk-test-usage', baseURL: up.baseUrl, maxRetries: 0, fetch: createProxyFetch(proxy, { agentId }) });
    const messages = [{ role: 'user' as const, content: 'hi' }];
    try {
      up.reply({ kind: 'chat', content: 'ok', usage: { prompt_tokens: 1_000, completion_tokens: 500 } });
      await client('alpha').chat.completions.create({ model: 'gpt-4o', messages });
      // Streamed: $2 + $2, the cached tokens at the input rate, the reasoning ones at the output rate.
      up.reply({ kind: 'chat', content: 'streamed', usage: { prompt_tokens: 2_000, completion_tokens: 1_000, cached_tokens: 500, reasoning_tokens: 100 } });
      const stream = await client('alpha').chat.completions.create({ model: 'gpt-4o', messages, stream: true, stream_options: { include_usage: true } });
      for await (const _chunk of stream) void _chunk;
      // Over the agent's rate limit: refused, no usage.
      await expect(client('alpha').chat.completions.create({ model: 'gpt-4o', messages })).rejects.toMatchObject({ status: 429 });
      up.reply({ kind: 'chat', content: 'ok', usage: { prompt_tokens: 500, completion_tokens: 250 } });
      await client('beta').chat.completions.create({ model: 'gpt-4o', messages });
      // No price for this model: its cost is unknown, not 0.
      up.reply({ kind: 'chat', content: 'ok', usage: { prompt_tokens: 10, completion_tokens: 5 } });
      await client('beta').chat.completions.create({ model: 'mystery-model-x', messages });
    } finally {
      await proxy.close();
    }
  }, 60_000);
  afterAll(async () => {
    await up.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints an aligned table per agent, most spend first, with a total', async () => {
    const run = await runCli(['usage', '--db', db, '--by', 'agent']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Usage from \d{4}-\d\d-\d\dT.*Z to now$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/))).toEqual([
      ['agent', 'spend_usd', 'unpriced', 'requests', 'refusals', 'input', 'output', 'cached', 'reasoning'],
      ['alpha', '6.00', '0', '3', '1', '3000', '1500', '500', '100'],
      ['beta', '1.00', '1', '2', '0', '510', '255', '0', '0'],
      ['total', '7.00', '1', '5', '1', '3510', '1755', '500', '100'],
    ]);
    // Aligned: the group column starts at the left, every figure ends where its header ends.
    const ends = (line: string) => [...line.matchAll(/\S+/g)].slice(1).map((match) => match.index + match[0].length);
    for (const line of lines.slice(2)) expect(ends(line)).toEqual(ends(lines[1]!));
  });

  it('--json, grouped by agent and model (a comma list), over --since 1h', async () => {
    const run = await runCli(['usage', '--db', db, '--by', 'agent,model', '--since', '1h', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.by).toEqual(['agent', 'model']);
    expect(Date.parse(report.until) - Date.parse(report.since)).toBe(3_600_000);
    expect(report.groups.map((g: { group: object; costUsd: number; unpriced: number; requests: number; refusals: number }) => [g.group, Number(g.costUsd.toFixed(9)), g.unpriced, g.requests, g.refusals])).toEqual([
      [{ agent: 'alpha', model: 'gpt-4o' }, 6, 0, 3, 1],
      [{ agent: 'beta', model: 'gpt-4o' }, 1, 0, 1, 0],
      [{ agent: 'beta', model: 'mystery-model-x' }, 0, 1, 1, 0],
    ]);
  });

  it('a bad --by is a usage error (exit 2), a store file that is not there a failure (exit 1, and no file is made)', async () => {
    const missing = join(dir, 'typo.db');
    const [bad, absent] = await Promise.all([runCli(['usage', '--db', db, '--by', 'colour']), runCli(['usage', '--db', missing])]);
    expect(absent).toMatchObject({ code: 1, stdout: '', stderr: `No store file at ${missing}: give the file the server writes with --db or the config's store.\n` });
    expect(existsSync(missing)).toBe(false);
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect(bad.stderr).toContain('--by must be one or more of agent, key, model, day, user, session, provider; got "colour".');
  });
});
