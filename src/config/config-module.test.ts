import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'archestra-config-module-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const defineConfigFrom = JSON.stringify(resolve('src/config/define-config.ts'));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('--config as a module: the default export of a .ts, .mjs or .js file', () => {
  it('reads defineConfig() from TypeScript, and plain objects from .mjs and .js; the environment still wins', async () => {
    const ts = file('proxy.config.ts', `import { defineConfig } from ${defineConfigFrom};
const port: number = 9100;
export default { ...defineConfig({ providers: { openai: { baseUrl: 'http://127.0.0.1:1/v1' } }, profiles: { 'support-bot': {} } }), server: { port } };
`);
    const mjs = file('proxy.config.mjs', `export default { store: 'from-mjs.db', server: { host: '0.0.0.0' } };\n`);
    const js = file('proxy.config.js', `export default { audit: { bodies: false } };\n`);
    const fromTs = await loadConfig({ configPath: ts, env: { ARCHESTRA_PORT: '9200' } });
    expect(fromTs.server.port).toBe(9200);
    expect(fromTs.proxy.providers?.openai?.baseUrl).toBe('http://127.0.0.1:1/v1');
    expect(Object.keys(fromTs.proxy.profiles ?? {})).toEqual(['support-bot']);
    expect(await loadConfig({ configPath: mjs, env: {} })).toMatchObject({ server: { host: '0.0.0.0' }, proxy: { store: 'from-mjs.db' } });
    expect((await loadConfig({ configPath: js, env: {} })).proxy.audit).toEqual({ bodies: false });
  });

  it('keeps what JSON cannot hold (a prom-client Registry) as it is', async () => {
    // prom-client resolves from the repository, not the temp dir: the file takes the test's registry.
    const path = file('registry.config.mjs', `export default { metrics: { registry: globalThis.__archestraTestRegistry } };\n`);
    const registry = new Registry();
    (globalThis as { __archestraTestRegistry?: Registry }).__archestraTestRegistry = registry;
    expect((await loadConfig({ configPath: path, env: {} })).proxy.metrics?.registry).toBe(registry);
  });

  it('a module without a default object, one that throws, or a bad field: a ConfigError naming the file', async () => {
    const none = file('none.config.mjs', 'export const config = {};\n');
    const throws = file('throws.config.mjs', "throw new Error('no config today');\n");
    const bad = file('bad.config.mjs', "export default { server: { prot: 9000 } };\n");
    await expect(loadConfig({ configPath: none, env: {} })).rejects.toThrow(`The config file ${none} must have a default export holding the config object (export default defineConfig({ ... })); its default export is missing.`);
    await expect(loadConfig({ configPath: throws, env: {} })).rejects.toThrow(`The config file ${throws} could not be loaded: no config today`);
    await expect(loadConfig({ configPath: bad, env: {} })).rejects.toThrow('server.prot: unknown field; did you mean "port"?');
    await expect(loadConfig({ configPath: join(dir, 'absent.config.ts'), env: {} })).rejects.toThrow('no such file');
  });
});
