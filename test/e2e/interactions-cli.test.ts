/**
 * `archestra-proxy interactions` and `serve --log requests`, against a running server's file (the
 * CLI is another process): requests from the real OpenAI SDK (JSON, a stream, a blocked tool call,
 * a rate-limited call) are listed as a table and as JSON, filtered by every flag, followed live;
 * the server prints one line per request (REFUSED with the rule) and a last line on shutdown.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InteractionFlags, interactionQuery } from '../../src/cli/interactions-filter.js';
import { createSqliteStore } from '../../src/store/sqlite-store.js';
import { type CliServer, cleanCliEnv, runCli, startCli } from '../helpers/cli-server.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

interface Row { agentId: string | null; userId: string | null; executionId: string | null; model: string | null; outcome: string; status: number; stream: boolean; decisions: { kind: string; action?: string }[] | null }

describe('archestra-proxy interactions, and serve --log requests', () => {
  let up: ScriptedOpenAI;
  let dir: string;
  let db: string;
  let server: CliServer;
  const messages = [{ role: 'user' as const, content: 'hi' }];
  const client = (agent: string, extra: Record<string, string> = {}) => new OpenAI({ apiKey: 'sk-test-interactions', baseURL: `${server.url}/v1/openai`, maxRetries: 0, defaultHeaders: { 'x-archestra-agent-id': agent, ...extra } });

  beforeAll(async () => {
    up = await startOpenAIUpstream();
    dir = mkdtempSync(join(tmpdir(), 'archestra-interactions-cli-'));
    db = join(dir, 'proxy.db');
    const config = join(dir, 'proxy.json');
    writeFileSync(config, JSON.stringify({
      policies: { tools: [{ id: 'no-mail', tool: 'send_email', action: 'block' }] },
      limits: { rate: [{ id: 'two-a-minute', scope: 'agent', requestsPerMinute: 2 }] },
    }));
    server = await startCli(['--port', '0', '--db', db, '--config', config, '--log', 'requests'], { ...cleanCliEnv(), ARCHESTRA_OPENAI_BASE_URL: up.baseUrl } as Record<string, string>);

    await client('alpha', { 'x-archestra-user-id': 'ann', 'x-archestra-session-id': 's1', 'x-archestra-execution-id': 'run-1' }).chat.completions.create({ model: 'gpt-4o', messages });
    const stream = await client('alpha').chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    for await (const _chunk of stream) void _chunk;
    up.replyOnce({ kind: 'chat', toolCalls: [{ id: 'call_send', name: 'send_email', arguments: '{"to":"x@evil.test"}' }] });
    const blocked = await client('beta').chat.completions.create({ model: 'gpt-4o', messages });
    expect(blocked.choices[0]?.message.tool_calls ?? []).toEqual([]);
    await client('limited').chat.completions.create({ model: 'gpt-4o', messages });
    await client('limited').chat.completions.create({ model: 'gpt-4o', messages });
    await expect(client('limited').chat.completions.create({ model: 'gpt-4o', messages })).rejects.toMatchObject({ status: 429 });
  }, 60_000);
  afterAll(async () => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    await up?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const json = async (...args: string[]): Promise<Row[]> => {
    const run = await runCli(['interactions', '--db', db, '--json', ...args]);
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as Row[];
  };

  it('lists every request as an aligned table, oldest first, refusals marked with their rule', async () => {
    const run = await runCli(['interactions', '--db', db]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]!.split(/\s+/)).toEqual(['time', 'profile', 'provider', 'model', 'agent', 'session', 'status', 'outcome', 'ms', 'tokens', 'usd', 'note']);
    // The time takes two cells (day and time); then profile, provider, model, agent, session, status.
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(2, 8))).toEqual([
      ['default', 'openai', 'gpt-4o', 'alpha', 's1', '200'],
      ['default', 'openai', 'gpt-4o-mini', 'alpha', '-', '200'],
      ['default', 'openai', 'gpt-4o', 'beta', '-', '200'],
      ['default', 'openai', 'gpt-4o', 'limited', '-', '200'],
      ['default', 'openai', 'gpt-4o', 'limited', '-', '200'],
      ['default', 'openai', 'gpt-4o', 'limited', '-', '429'],
    ]);
    expect(lines[3]).toMatch(/REFUSED tool send_email blocked by rule no-mail: /);
    expect(lines[6]).toMatch(/rate_limited .*REFUSED by rate limit two-a-minute \(requests_per_minute per agent\)/);
    // The status column lines up: every status ends where its header ends.
    const end = (line: string) => line.indexOf('status') + 'status'.length;
    for (const line of lines.slice(1)) expect(line.slice(end(lines[0]!) - 3, end(lines[0]!))).toMatch(/^\d{3}$/);
  });

  it('filters by agent, user, session, execution, provider, model, outcome, refused and time; --limit keeps the newest', async () => {
    // Three runs through the command itself, started together...
    const [refused, outcome, limited] = await Promise.all([['--refused'], ['--outcome', 'rate_limited'], ['--agent', 'limited', '--outcome', 'ok', '--limit', '1']].map((args) => json(...args)));
    expect(refused!.map((row) => row.agentId)).toEqual(['beta', 'limited']);
    expect(refused![0]!.decisions).toContainEqual(expect.objectContaining({ kind: 'tool_call', action: 'block' }));
    expect(outcome!.map((row) => [row.agentId, row.status])).toEqual([['limited', 429]]);
    expect(limited!.map((row) => [row.agentId, row.outcome])).toEqual([['limited', 'ok']]);
    // ...and every flag as the command turns it into the store's query, on the same file (a process is slow to start).
    const store = createSqliteStore(db, { writerThread: false });
    const listed: Record<string, Row[]> = {};
    const pick = (flags: InteractionFlags) => (listed[JSON.stringify(flags)] ?? []);
    const flagSets: InteractionFlags[] = [{ agent: 'alpha' }, { user: 'ann' }, { session: 's1' }, { execution: 'run-1' }, { provider: 'anthropic' }, { provider: 'openai' }, { model: 'gpt-4o-mini' }, { since: '1h' }, { until: '2020-01-01' }, { 'proxy-id': 'default', refused: true, agent: 'beta' }];
    for (const flags of flagSets) listed[JSON.stringify(flags)] = ((await store.listInteractions({ ...interactionQuery(flags, Date.now()), limit: 50 })) as unknown as Row[]).reverse();
    await store.close();
    expect(pick({ agent: 'alpha' }).map((row) => row.model)).toEqual(['gpt-4o', 'gpt-4o-mini']);
    expect(pick({ user: 'ann' }).map((row) => row.agentId)).toEqual(['alpha']);
    expect(pick({ session: 's1' }).map((row) => row.userId)).toEqual(['ann']);
    expect(pick({ execution: 'run-1' }).map((row) => row.executionId)).toEqual(['run-1']);
    expect(pick({ provider: 'anthropic' })).toEqual([]);
    expect(pick({ provider: 'openai' })).toHaveLength(6);
    expect(pick({ model: 'gpt-4o-mini' }).map((row) => row.stream)).toEqual([true]);
    expect(pick({ since: '1h' })).toHaveLength(6);
    expect(pick({ until: '2020-01-01' })).toEqual([]);
    expect(pick({ 'proxy-id': 'default', refused: true, agent: 'beta' })).toHaveLength(1);
  }, 60_000);

  it('a bad flag value is a usage error (2) naming the choices; a missing store file a failure (1)', async () => {
    const [provider, outcome, limit, missing] = await Promise.all([
      runCli(['interactions', '--db', db, '--provider', 'opneai']),
      runCli(['interactions', '--db', db, '--outcome', 'refused']),
      runCli(['interactions', '--db', db, '--limit', 'lots']),
      runCli(['interactions', '--db', join(dir, 'typo.db')]),
    ]);
    expect(provider).toMatchObject({ code: 2, stdout: '' });
    expect(provider.stderr).toContain('--provider must be one of openai, anthropic');
    expect(provider.stderr).toContain('got "opneai"');
    expect(outcome).toMatchObject({ code: 2 });
    expect(outcome.stderr).toContain('--outcome must be one of ok, started');
    expect(limit).toMatchObject({ code: 2 });
    expect(limit.stderr).toContain('--limit must be a whole number');
    expect(missing).toMatchObject({ code: 1, stderr: `No store file at ${join(dir, 'typo.db')}: give the file the server writes with --db or the config's store.\n` });
  }, 60_000);

  it('--follow prints each new request as the server writes it, and stops on Ctrl-C with 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'interactions', '--db', db, '--follow', '--agent', 'gamma'], { env: cleanCliEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await until(() => stderr.includes('Following'));
    expect(stdout).toBe('');
    await client('gamma').chat.completions.create({ model: 'gpt-4o', messages });
    await until(() => stdout.includes('gamma'));
    up.replyOnce({ kind: 'chat', toolCalls: [{ id: 'call_send', name: 'send_email', arguments: '{"to":"y@evil.test"}' }] });
    await client('gamma').chat.completions.create({ model: 'gpt-4o', messages });
    await until(() => stdout.includes('REFUSED'));
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/ default {2}openai {2}gpt-4o {2}gamma {2}- {2}200 {2}ok {2}\d+/);
    expect(lines[1]).toMatch(/gamma .*REFUSED tool send_email blocked by rule no-mail/);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 30_000);

  it('the server printed one line per request, REFUSED with the rule, and on shutdown how many it served and refused', async () => {
    const output = server.output();
    const lines = output.split('\n').filter((line) => /^\d\d:\d\d:\d\d \/v1\//.test(line));
    expect(lines).toHaveLength(8);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d \/v1\/openai chat gpt-4o 200 \d+ms agent=alpha$/);
    expect(lines.filter((line) => line.includes('REFUSED tool send_email blocked by rule no-mail'))).toHaveLength(2);
    expect(lines.filter((line) => / 429 \d+ms agent=limited REFUSED by rate limit two-a-minute/.test(line))).toHaveLength(1);
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
    expect(server.output().trimEnd().split('\n').at(-1)).toBe('Served 8 requests, 3 refused.');
  }, 60_000);
});

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > 15_000) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
