/**
 * Approvals decided from the command line, on the file a running server uses (another process):
 * `approvals list` shows the held call, `approvals approve` lets the agent's next identical call
 * through once, `approvals deny` keeps it refused; errors exit non-zero with a clear message.
 * The server's admin API (token from ARCHESTRA_ADMIN_TOKEN) lists the same approvals.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliServer, startCli, runCli, cleanCliEnv } from '../helpers/cli-server.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

const TOKEN = 'cli-admin-token-0123456789abcdef';

describe('archestra-proxy approvals list | approve | deny, against a running server\'s file', () => {
  let up: ScriptedOpenAI;
  let dir: string;
  let db: string;
  let server: CliServer;
  let client: OpenAI;

  beforeAll(async () => {
    up = await startOpenAIUpstream();
    up.reply({ kind: 'chat', toolCalls: [{ id: 'call_send', name: 'send_email', arguments: '{"to":"boss@corp.test"}' }] });
    dir = mkdtempSync(join(tmpdir(), 'archestra-approvals-cli-'));
    db = join(dir, 'proxy.db');
    const config = join(dir, 'proxy.json');
    writeFileSync(config, JSON.stringify({ policies: { tools: [{ tool: 'send_email', action: 'require_approval' }] } }));
    // The first command creates the database alone: concurrent first opens race on the migrations.
    const first = await runCli(['approvals', 'list', '--db', db]);
    expect(first, first.stderr).toMatchObject({ code: 0, stdout: 'No approvals.\n' });
    server = await startCli(['--port', '0', '--db', db, '--config', config], { ...cleanCliEnv(), ARCHESTRA_OPENAI_BASE_URL: up.baseUrl, ARCHESTRA_ADMIN_TOKEN: TOKEN } as Record<string, string>);
    client = new OpenAI({ apiKey: 'sk-test', baseURL: `${server.url}/v1/openai`, defaultHeaders: { 'x-archestra-session-id': 'cli-session' }, maxRetries: 0 });
  }, 60_000);
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    await up.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function send(): Promise<{ passed: boolean; text: string }> {
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Mail the boss.' }] });
    const message = completion.choices[0]!.message;
    return { passed: (message.tool_calls?.length ?? 0) > 0, text: message.content ?? '' };
  }

  const idIn = (text: string) => /apr_[A-Za-z0-9_-]+/.exec(text)?.[0] ?? '';

  it('held, listed (CLI and admin API), approved by name, passes once, held again, denied', async () => {
    const held = await send();
    expect(held.passed).toBe(false);
    const id = idIn(held.text);
    expect(held.text).toContain(`archestra-proxy approvals approve ${id}`);

    const api = await fetch(`${server.url}/admin/api/approvals?state=pending`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect((await api.json()).approvals.map((approval: { id: string }) => approval.id)).toEqual([id]);
    const list = await runCli(['approvals', 'list', '--state', 'pending', '--db', db]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(id);
    expect(list.stdout).toContain('send_email {"to":"boss@corp.test"}');
    expect(list.stdout).toContain('default/session:cli-session');

    const approve = await runCli(['approvals', 'approve', id, '--by', 'carol', '--db', db]);
    expect(approve, approve.stderr).toMatchObject({ code: 0 });
    expect(approve.stdout).toContain(`Approved ${id} (send_email) as carol`);
    expect(await send()).toMatchObject({ passed: true });
    const again = await send();
    expect(again.passed).toBe(false);
    const second = idIn(again.text);
    expect(second).not.toBe(id);

    const deny = await runCli(['approvals', 'deny', second, '--note', 'not today', '--db', db]);
    expect(deny.code, deny.stderr).toBe(0);
    expect(deny.stdout).toMatch(new RegExp(`Denied ${second} \\(send_email\\) as cli:`));
    const denied = await send();
    expect(denied.passed).toBe(false);
    expect(denied.text).toMatch(new RegExp(`denied by cli:\\S+ \\(${second}\\): not today`));

    const used = await runCli(['approvals', 'list', '--state', 'used', '--json', '--db', db]);
    expect(JSON.parse(used.stdout)).toEqual([expect.objectContaining({ id, state: 'used', decidedBy: 'carol', tool: 'send_email' })]);

    const decidedTwice = await runCli(['approvals', 'approve', second, '--db', db]);
    expect(decidedTwice.code).toBe(1);
    expect(decidedTwice.stderr).toContain(`Approval ${second} is denied`);
  }, 60_000);

  it('errors: an unknown id exits 1, a missing id or action prints the usage and exits 2, a bad --state names the choices and exits 2', async () => {
    const [unknown, missing, state] = await Promise.all([
      runCli(['approvals', 'approve', 'apr_nope', '--db', db]),
      runCli(['approvals', 'deny', '--db', db]),
      runCli(['approvals', 'list', '--state', 'maybe', '--db', db]),
    ]);
    expect(unknown).toMatchObject({ code: 1, stderr: 'No approval has the id apr_nope.\n' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Usage: archestra-proxy approvals list');
    expect(state.code).toBe(2);
    expect(state.stderr).toContain('--state must be one of pending, approved, denied, used, expired; got "maybe"');
  }, 30_000);
});
