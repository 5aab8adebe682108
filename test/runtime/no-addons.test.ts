/**
 * Issue 17, item 5: a core that loads no native module until it needs one. A child process run
 * with `--no-addons` (Node then refuses to load any addon) imports the package, builds a proxy on
 * the memory store and serves a chat call through every way in; only asking for a SQLite file
 * store fails, with an error that says why. On this Node, and on Node 22 through `npx node@22`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const SCRIPT = ['--no-addons', '--conditions=archestra-source', '--import', 'tsx', 'test/runtime/serve-without-addons.ts'];
const WAYS_IN = ['createProxyFetch', 'withArchestra', 'node', 'express', 'koa', 'fastify'];

interface Outcome {
  node: string;
  answers: Record<string, string | null>;
  rows: number;
  sqliteError: string | null;
}

async function serveWithoutAddons(command: string, args: string[]): Promise<Outcome> {
  const { stdout } = await run(command, [...args, ...SCRIPT], { encoding: 'utf8', timeout: 150_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Outcome;
}

function expectServedWithoutAddons(outcome: Outcome): void {
  expect(outcome.answers).toEqual(Object.fromEntries(WAYS_IN.map((way) => [way, `answered via ${way}`])));
  expect(outcome.rows).toBe(WAYS_IN.length);
  // The control: the flag is in force (the one part that needs an addon fails), and says what to do.
  expect(outcome.sqliteError).toMatch(/^A SQLite file store needs the native module better-sqlite3, which could not be loaded \(.*addons is disabled.*\)\. .*store: ':memory:'/);
}

describe('no native addon until a SQLite file store is asked for', () => {
  it(`on this Node (${process.version})`, async () => {
    const outcome = await serveWithoutAddons(process.execPath, []);
    expect(outcome.node).toBe(process.version);
    expectServedWithoutAddons(outcome);
  }, 60_000);

  it('on Node 22 (npx -y node@22)', async () => {
    const outcome = await serveWithoutAddons('npx', ['-y', 'node@22']);
    expect(outcome.node).toMatch(/^v22\./);
    expectServedWithoutAddons(outcome);
  }, 180_000);
});
