import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';

/** Runs a snippet in a fresh Node process, from the built package, and returns its stdout. */
function run(args: string[]): string {
  return execFileSync(process.execPath, args, { encoding: 'utf8' }).trim();
}

const SUBPATHS = ['@archestra/llm-proxy', '@archestra/llm-proxy/node', '@archestra/llm-proxy/express', '@archestra/llm-proxy/koa', '@archestra/llm-proxy/fastify'];

describe('the built package', () => {
  beforeAll(() => {
    execFileSync(process.execPath, ['node_modules/tsup/dist/cli-default.js', '--silent'], { stdio: 'inherit' });
  }, 120_000);

  it.each(SUBPATHS)('%s loads with require() and import()', (subpath) => {
    const required = run(['-e', `console.log(Object.keys(require(${JSON.stringify(subpath)})).length)`]);
    const imported = run(['--input-type=module', '-e', `const m = await import(${JSON.stringify(subpath)}); console.log(Object.keys(m).length)`]);
    expect(Number(required)).toBeGreaterThan(0);
    expect(imported).toBe(required);
  });

  it('importing the core loads no web framework', () => {
    const loaded = run(['-e', `require('@archestra/llm-proxy'); console.log(JSON.stringify(Object.keys(require.cache).filter((file) => /node_modules\\/(express|koa|fastify)\\//.test(file))))`]);
    expect(JSON.parse(loaded)).toEqual([]);
  });

  it('the price table loads once a proxy is built, not on import', () => {
    const table = String.raw`Object.keys(require.cache).filter((file) => /@pydantic\/genai-prices/.test(file)).length`;
    const output = run(['-e', `
      const { createProxy } = require('@archestra/llm-proxy');
      const before = ${table};
      const proxy = createProxy();
      setTimeout(async () => { console.log(JSON.stringify([before, ${table}])); await proxy.close(); }, 500);`]);
    expect(JSON.parse(output)).toEqual([0, 1]);
  });

  it('an error from the CJS build is recognised by the ESM build', () => {
    const output = run(['--input-type=module', '-e', `
      import { createRequire } from 'node:module';
      const cjs = createRequire(import.meta.url)('@archestra/llm-proxy');
      const esm = await import('@archestra/llm-proxy');
      console.log(esm.isArchestraError(new cjs.ConfigError('x')));`]);
    expect(output).toBe('true');
  });

  it('the admin page ships built: served from dist/admin-page/ by both builds, esbuild never loaded', () => {
    const serve = (load: string) => `
      const { createProxy } = ${load};
      const proxy = createProxy({ admin: { token: 'admin-token-0123456789abcdef' } });
      const sizes = [];
      for (const name of ['', 'app.js', 'app.css']) {
        const response = await proxy.handle(new Request('http://proxy/admin/' + name));
        sizes.push(response.status === 200 ? (await response.arrayBuffer()).byteLength : response.status);
      }
      await proxy.close();`;
    const cjs = run(['-e', `(async () => { ${serve("require('@archestra/llm-proxy')")}
      console.log(JSON.stringify([sizes.every((size) => size > 200), Object.keys(require.cache).some((file) => file.includes('/node_modules/esbuild/'))])); })()`]);
    expect(JSON.parse(cjs)).toEqual([true, false]);
    const esm = run(['--input-type=module', '-e', `${serve("await import('@archestra/llm-proxy')")}
      const { createRequire } = await import('node:module');
      console.log(JSON.stringify([sizes.every((size) => size > 200), Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes('/node_modules/esbuild/'))]));`]);
    expect(JSON.parse(esm)).toEqual([true, false]);
  });

  it('the archestra-proxy bin prints its usage', () => {
    expect(run(['dist/cli.js', '--help'])).toContain('Usage: archestra-proxy <command>');
  });
});
