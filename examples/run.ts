/**
 * Runs one example as a newcomer would: `npm run example -- with-archestra` (against the real
 * upstream, with your OPENAI_API_KEY) or `npm run example -- with-archestra --mock` (offline,
 * against a built-in mock of api.openai.com on 127.0.0.1). `npm run example -- --list` lists them.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { closestName } from '../src/config/closest-name.js';
import { startMockUpstream } from './mock-upstream.js';

/** Files here that are not examples. */
const NOT_EXAMPLES = new Set(['run', 'mock-upstream']);
const EXAMPLES = readdirSync(new URL('.', import.meta.url)).filter((file) => file.endsWith('.ts')).map((file) => basename(file, '.ts')).filter((name) => !NOT_EXAMPLES.has(name)).sort();
const USAGE = `Usage: npm run example -- <name> [--mock]
  name: ${EXAMPLES.join(', ')}
  --mock  run offline against a built-in mock of api.openai.com (no key needed)`;

const { values, positionals } = parseArgs({ allowPositionals: true, options: { mock: { type: 'boolean' }, list: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
if (values.help || values.list) {
  console.log(USAGE);
  process.exit(0);
}
const name = positionals[0] === undefined ? undefined : basename(positionals[0], '.ts');
if (name === undefined || !EXAMPLES.includes(name)) {
  const guess = name === undefined ? undefined : closestName(name, EXAMPLES);
  console.error(`${name === undefined ? 'Which example?' : `No example "${name}"${guess ? `; did you mean "${guess}"?` : '.'}`}\n\n${USAGE}`);
  process.exit(2);
}

const mock = values.mock ? await startMockUpstream() : undefined;
const dir = mkdtempSync(join(tmpdir(), 'archestra-example-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  // The examples that run a server exit after their one call, on a free port; their store is a temp file.
  ONESHOT: '1',
  PORT: process.env.PORT ?? '0',
  ARCHESTRA_DB: process.env.ARCHESTRA_DB ?? join(dir, 'example.db'),
  ...(mock ? { ARCHESTRA_OPENAI_BASE_URL: mock.baseUrl, OPENAI_API_KEY: 'sk-mock-key' } : {}),
};
if (!mock && !env.OPENAI_API_KEY) console.error('OPENAI_API_KEY is not set: the call goes to api.openai.com without a key. Add --mock to run offline.');
const child = spawn(process.execPath, ['--conditions=archestra-source', '--import', 'tsx', join('examples', `${name}.ts`)], { env, stdio: 'inherit' });
const code = await new Promise<number>((resolve) => child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))));
await mock?.close();
rmSync(dir, { recursive: true, force: true });
process.exit(code);
