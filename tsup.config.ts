import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';
import { writeAdminPage } from './src/admin/page-build.js';

const { version } = JSON.parse(readFileSync('./package.json', 'utf8')) as { version: string };

export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      node: 'src/ways-in/node.ts',
      express: 'src/ways-in/express.ts',
      koa: 'src/ways-in/koa.ts',
      fastify: 'src/ways-in/fastify.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    // One shared core chunk for every subpath, in both formats (tsup #408).
    splitting: true,
    // import.meta.url in the CJS build (the SQLite writer thread resolves its driver with it).
    shims: true,
    target: 'node20',
    define: { __PACKAGE_VERSION__: JSON.stringify(version) },
    // Only a source checkout builds the admin page at run time; the package ships it built.
    external: ['esbuild'],
    // The admin page, next to the modules that serve it (src/admin/admin-page.ts looks there).
    // Its sources named from here: this file is bundled elsewhere before it runs.
    onSuccess: () => writeAdminPage('dist/admin-page', 'src/admin/page'),
  },
  {
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    external: ['esbuild'],
    define: { __PACKAGE_VERSION__: JSON.stringify(version) },
  },
]);
