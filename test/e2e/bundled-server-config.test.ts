/**
 * `archestra-proxy serve` refuses bad configuration before it listens: one message on stderr naming
 * the field, variable or flag, no stack trace, a non-zero exit. The many cases are tested on the
 * loader directly (src/config/load-config.test.ts); these run the real process for each source.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'archestra-cli-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `archestra-proxy serve ...args` from source with no ARCHESTRA_* variable but `env`'s, to its end. */
function serve(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('ARCHESTRA_')) clean[name] = value;
  // A store in the temp dir, should a broken check let the server start.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--db', join(dir, 'never.db'), ...args], { env: { ...clean, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // Started after all (the check is broken): stop it, so the test fails instead of hanging.
  child.stdout.on('data', () => stdout.includes('listening on') && child.kill('SIGKILL'));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('archestra-proxy serve refuses bad configuration, naming it', () => {
  it('from the config file, the environment and the flags: exit 1 (2 for an unknown flag), one message, no stack trace', async () => {
    const badServer = file('bad-server.json', JSON.stringify({ server: { host: 5, port: 'abc', hots: '127.0.0.1' } }));
    const [server, env, flag] = await Promise.all([
      serve(['--config', badServer]),
      serve([], { ARCHESTRA_PORT: 'abc', ARCHESTRA_HOST: '' }),
      serve(['--prot', '9000']),
    ]);

    expect(server).toEqual({
      code: 1,
      stdout: '',
      stderr: [
        `Invalid config file ${badServer}:`,
        '  - server.host: expected an IP address or a host name, such as 127.0.0.1, ::1, 0.0.0.0 or localhost',
        '  - server.port: expected a port number from 0 to 65535 (0 picks a free port)',
        '  - server.hots: unknown field; did you mean "host"?',
        '',
      ].join('\n'),
    });
    expect(env).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Invalid configuration:\n  - ARCHESTRA_PORT: expected a port number from 0 to 65535 (0 picks a free port); got "abc"\n  - ARCHESTRA_HOST: is set but empty (unset it, or give it a value)\n',
    });
    expect(flag).toEqual({ code: 2, stdout: '', stderr: 'Unknown flag --prot for serve; did you mean --port? (archestra-proxy serve --help lists the flags).\n' });
  }, 30_000);
});
