/**
 * `npm run test:node-versions`: the in-process and mounted tests, on the memory store, under
 * Node 22 and 24 (fetched with `npx -y node@<version>`; the first run downloads them). The SQLite
 * tests stay on the Node the native module was built for; `npm test` covers them.
 *
 *   npm run test:node-versions            # 22 and 24
 *   npm run test:node-versions -- 24      # one version
 */
import { spawnSync } from 'node:child_process';

const VERSIONS = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['22', '24'];

/** Tests of the library in process (createProxyFetch, withArchestra) and mounted (node, express, koa, fastify), none on a file store. */
const FILES = [
  'test/e2e/sdk-openai-in-process.test.ts',
  'test/e2e/sdk-anthropic-in-process.test.ts',
  'test/e2e/sdk-ollama-in-process.test.ts',
  'test/e2e/gemini-in-process.test.ts',
  'test/e2e/openai-responses-in-process.test.ts',
  'test/e2e/framework-node.test.ts',
  'test/e2e/framework-express.test.ts',
  'test/e2e/framework-koa.test.ts',
  'test/e2e/framework-fastify.test.ts',
  'test/e2e/policy-openai.test.ts',
  'test/e2e/fail-closed-labels.test.ts',
  'test/e2e/fail-closed-rewrites.test.ts',
  'test/e2e/cost-providers.test.ts',
  'test/e2e/tool-result-compression.test.ts',
];

for (const version of VERSIONS) {
  console.log(`\n== Node ${version} ==`);
  const run = spawnSync('npx', ['-y', `node@${version}`, 'node_modules/vitest/vitest.mjs', 'run', ...FILES], { stdio: 'inherit' });
  if (run.status !== 0) {
    console.error(`The tests failed on Node ${version}.`);
    process.exit(run.status ?? 1);
  }
}
