/**
 * `npm run example -- <name> --mock`: every example runs offline against the built-in mock of
 * api.openai.com (no key, no network) and prints the mock's answer, or for poisoned-email the
 * refusal of the injected send; a name that is no example is a usage error naming the closest one.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cleanCliEnv } from '../helpers/cli-server.js';

const run = promisify(execFile);
const runExample = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'examples/run.ts', ...args], { env: { ...cleanCliEnv(), OPENAI_API_KEY: '' }, timeout: 240_000 });
const EXAMPLES = readdirSync('examples').filter((file) => file.endsWith('.ts') && !['run.ts', 'mock-upstream.ts'].includes(file)).map((file) => file.slice(0, -3));

describe('npm run example -- <name> --mock', () => {
  it('runs every example offline against the built-in mock upstream', async () => {
    expect(EXAMPLES).toEqual(expect.arrayContaining(['bundled-server', 'express', 'fastify', 'in-process-fetch', 'koa', 'poisoned-email', 'virtual-keys', 'with-archestra']));
    const outputs = await Promise.all(EXAMPLES.map(async (name) => [name, (await runExample(name, '--mock')).stdout] as const));
    for (const [name, stdout] of outputs) {
      if (name === 'poisoned-email') {
        expect(stdout).toContain('tool calls: []');
        expect(stdout).toMatch(/decision: \{"kind":"tool_call","toolCallId":"call_mock_send","tool":"send_email","action":"block"/);
      } else expect(stdout, name).toMatch(/Hello\s*from\s*the\s*mock\s*upstream\./);
      // The key made in the store file answers, and once revoked is refused.
      if (name === 'virtual-keys') expect(stdout).toContain('after revoke: 401');
    }
  }, 300_000);

  it('an unknown name lists the examples and names the closest; exit 2', async () => {
    const failed = await runExample('with-archestr', '--mock').then(() => undefined, (error: { code: number; stderr: string }) => error);
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toContain('No example "with-archestr"; did you mean "with-archestra"?');
    expect(failed?.stderr).toContain('Usage: npm run example -- <name> [--mock]');
  }, 60_000);
});
