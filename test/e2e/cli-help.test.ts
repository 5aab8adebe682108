/**
 * The command line for people: `--help` on every command and action (exit 0, stdout), unknown
 * commands, actions and flags named with the closest known one (exit 2, stderr), one exit-code
 * convention printed by `--help`, and the version (from package.json when run from source).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli-server.js';

const EXIT_CODES = 'Exit codes: 0 done; 1 it failed (a store, a file, the config, a request); 2 the command line is wrong';

describe('archestra-proxy --help, mistakes and exit codes', () => {
  it('--help everywhere: the top level lists the commands, each command and action its own flags', async () => {
    const runs = await Promise.all([
      ['--help'], ['help', 'interactions'], ['serve', '--help'], ['interactions', '-h'], ['usage', '--help'],
      ['keys', '--help'], ['keys', 'create', '--help'], ['approvals', 'approve', '--help'],
    ].map((args) => runCli(args)));
    for (const run of runs) expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' });
    const [top, helpInteractions, serve, interactions, usage, keys, keysCreate, approve] = runs.map((run) => run.stdout);
    for (const command of ['serve', 'interactions', 'usage', 'keys', 'approvals']) expect(top).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
    expect(top).toContain(EXIT_CODES);
    expect(helpInteractions).toBe(interactions);
    expect(serve).toContain('--log requests');
    expect(interactions).toContain('[--follow] [--json]');
    expect(usage).toContain('--by agent|key|model');
    expect(keysCreate).toBe(keys);
    expect(keys).toContain('archestra-proxy keys create --name NAME');
    expect(approve).toContain('archestra-proxy approvals approve ID');
    for (const text of [interactions, usage, keys, approve]) expect(text).toContain(EXIT_CODES);
  }, 60_000);

  it('unknown commands, actions and flags are named, with the closest known one; exit 2', async () => {
    const [command, far, action, flag, serveFlag, missing] = await Promise.all([
      runCli(['interactons']), runCli(['frobnicate']), runCli(['keys', 'lsit']), runCli(['usage', '--sinse', '7d']),
      runCli(['serve', '--prot', '9000']), runCli(['interactions', '--limit']),
    ]);
    for (const run of [command, far, action, flag, serveFlag, missing]) expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(command.stderr).toMatch(/^Unknown command "interactons"; did you mean "interactions"\?\n\nUsage: archestra-proxy <command>/);
    expect(far.stderr).toMatch(/^Unknown command "frobnicate"\n/);
    expect(action.stderr).toBe('Unknown keys command "lsit"; did you mean "list"? (keys takes create, list, revoke; archestra-proxy keys --help).\n');
    expect(flag.stderr).toBe('Unknown flag --sinse for usage; did you mean --since? (archestra-proxy usage --help lists the flags).\n');
    expect(serveFlag.stderr).toBe('Unknown flag --prot for serve; did you mean --port? (archestra-proxy serve --help lists the flags).\n');
    expect(missing.stderr).toContain("'--limit <value>' argument missing");
  }, 60_000);

  it('a missing action or argument is a usage error (2); keys refuse a store no server reads (1)', async () => {
    const [keys, revoke, memory] = await Promise.all([runCli(['keys']), runCli(['keys', 'revoke']), runCli(['keys', 'list', '--db', ':memory:'])]);
    expect(keys).toMatchObject({ code: 2, stdout: '' });
    expect(keys.stderr).toContain('keys needs one of create, list, revoke.');
    expect(revoke).toMatchObject({ code: 2, stderr: "keys revoke needs the key's id (archestra-proxy keys list shows them).\n" });
    expect(memory.code).toBe(1);
    expect(memory.stderr).toContain('keys work on the store file the server uses');
  }, 60_000);

  it('--version prints the package version, also from source (npm start)', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const [long, short] = await Promise.all([runCli(['--version']), runCli(['-v'])]);
    expect(long).toMatchObject({ code: 0, stdout: `${version}\n` });
    expect(short.stdout).toBe(`${version}\n`);
  }, 30_000);
});
