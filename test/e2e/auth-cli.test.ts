/**
 * Virtual keys managed from the command line, used through the bundled server: `keys create`
 * shows the key once and seals the provider secret read from an environment variable; the server
 * (another process, same database and master key) sends only that secret upstream; `keys revoke`
 * takes effect on the next call. Neither key nor secret appears in the server's output, its
 * metrics or the audit trail.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/index.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';
import { runCli, cleanCliEnv } from '../helpers/cli-server.js';

const MASTER_KEY = randomBytes(32).toString('hex');
const SECRET = 'sk-proj-CLISEALEDSECRET-e7d6c5b4';
const SECRET_VAR = 'ARCHESTRA_TEST_OPENAI_SECRET';

function startServer(db: string, upstream: string): Promise<{ child: ChildProcessWithoutNullStreams; url: string; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--db', db], {
    env: cleanCliEnv({ ARCHESTRA_OPENAI_BASE_URL: upstream, ARCHESTRA_MASTER_KEY: MASTER_KEY }),
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 15_000);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1] && output.includes('Point your SDK')) {
        clearTimeout(timer);
        resolve({ child, url: match[1], output: () => output });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
}

describe('archestra-proxy keys create | list | revoke, used through archestra-proxy serve', () => {
  let up: ScriptedOpenAI;
  let dir: string;
  let db: string;
  beforeAll(async () => {
    up = await startOpenAIUpstream();
    dir = mkdtempSync(join(tmpdir(), 'archestra-keys-cli-'));
    db = join(dir, 'proxy.db');
  });
  afterAll(async () => {
    await up.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the printed key works through the server with the sealed secret upstream; revoke -> 401; nothing leaks', async () => {
    // The first command creates the database alone: concurrent first opens race on the migrations.
    const create = await runCli(['keys', 'create', '--name', 'ci-bot', '--provider', 'openai', '--secret-env', SECRET_VAR, '--db', db, '--json'], { ARCHESTRA_MASTER_KEY: MASTER_KEY, [SECRET_VAR]: SECRET });
    expect(create.code, create.stderr).toBe(0);
    expect(`${create.stdout}${create.stderr}`).not.toContain(SECRET);
    const created = JSON.parse(create.stdout) as { id: string; key: string; name: string; providers: string[]; hasSecrets: boolean };
    expect(created).toMatchObject({ name: 'ci-bot', providers: ['openai'], hasSecrets: true });
    expect(created.key).toMatch(/^arch_[A-Za-z0-9_-]{43}$/);
    expect(created).not.toHaveProperty('keyHash');

    const [expired, list] = await Promise.all([
      runCli(['keys', 'create', '--name', 'old', '--expires', '2001-01-01T00:00:00Z', '--db', db, '--json'], { ARCHESTRA_MASTER_KEY: MASTER_KEY }),
      runCli(['keys', 'list', '--db', db, '--json'], { ARCHESTRA_MASTER_KEY: MASTER_KEY }),
    ]);
    expect(expired.code, expired.stderr).toBe(0);
    const expiredKey = (JSON.parse(expired.stdout) as { key: string }).key;
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((key) => key.id)).toContain(created.id);
    for (const secret of [SECRET, created.key, expiredKey]) expect(list.stdout).not.toContain(secret);

    // The server is another process; its environment has the master key, not the provider secret.
    const server = await startServer(db, up.baseUrl);
    try {
      const client = new OpenAI({ apiKey: created.key, baseURL: `${server.url}/v1/openai`, maxRetries: 0 });
      const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      expect(completion.choices[0]!.message.content).toBe('Hello from the scripted upstream.');
      expect(up.requests).toHaveLength(1);
      expect(up.requests[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
      expect(JSON.stringify(up.requests)).not.toContain(created.key);
      const expiredClient = new OpenAI({ apiKey: expiredKey, baseURL: `${server.url}/v1/openai`, maxRetries: 0 });
      await expect(expiredClient.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);

      const revoke = await runCli(['keys', 'revoke', created.id, '--db', db], { ARCHESTRA_MASTER_KEY: MASTER_KEY });
      expect(revoke.code, revoke.stderr).toBe(0);
      expect(revoke.stdout).toContain(`Revoked ${created.id}`);
      const error = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(up.requests).toHaveLength(1);
      expect((await runCli(['keys', 'revoke', 'no-such-id', '--db', db], {})).code).toBe(1);

      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      for (const secret of [SECRET, created.key, expiredKey, MASTER_KEY]) expect(metrics).not.toContain(secret);
    } finally {
      server.child.kill('SIGTERM');
      await new Promise((resolve) => server.child.once('exit', resolve));
    }
    for (const secret of [SECRET, created.key, expiredKey, MASTER_KEY]) expect(server.output()).not.toContain(secret);

    const store = createSqliteStore(db);
    const rows = await store.listInteractions({ limit: 1000 });
    await store.close();
    expect(rows.map((row) => [row.status, row.authMethod, row.virtualKeyId])).toEqual([
      [401, null, null],
      [401, null, null],
      [200, 'virtual_key', created.id],
    ]);
    const raw = new Database(db, { readonly: true });
    const everything = JSON.stringify([raw.prepare('SELECT * FROM interactions').all(), raw.prepare('SELECT * FROM virtual_keys').all()]);
    raw.close();
    for (const secret of [SECRET, created.key, expiredKey, MASTER_KEY]) expect(everything).not.toContain(secret);
  }, 60_000);

  it('refuses to seal a secret without a master key, or from an unset variable; the secret is never printed', async () => {
    const [noMaster, unset, badMaster] = await Promise.all([
      // One database each: concurrent first opens of one file race on the migrations.
      runCli(['keys', 'create', '--name', 'x', '--provider', 'openai', '--secret-env', SECRET_VAR, '--db', join(dir, 'a.db')], { [SECRET_VAR]: SECRET }),
      runCli(['keys', 'create', '--name', 'x', '--provider', 'openai', '--secret-env', 'ARCHESTRA_TEST_UNSET_VAR', '--db', join(dir, 'b.db')], { ARCHESTRA_MASTER_KEY: MASTER_KEY }),
      runCli(['keys', 'create', '--name', 'x', '--db', join(dir, 'c.db')], { ARCHESTRA_MASTER_KEY: 'not-32-bytes-master' }),
    ]);
    expect(noMaster.code).toBe(1);
    expect(noMaster.stderr).toContain('ARCHESTRA_MASTER_KEY');
    expect(`${noMaster.stdout}${noMaster.stderr}`).not.toContain(SECRET);
    expect(noMaster.stderr).not.toMatch(/\n\s+at /);
    expect(unset.code).toBe(1);
    expect(unset.stderr).toContain('ARCHESTRA_TEST_UNSET_VAR');
    expect(badMaster.code).toBe(1);
    expect(badMaster.stderr).not.toContain('not-32-bytes-master');
  }, 60_000);
});
