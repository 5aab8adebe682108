/**
 * Builds the admin page (Preact, `src/admin/page/`) into three files with esbuild: at package
 * build time into `dist/admin-page/` (tsup.config.ts), and in a source checkout, where nothing was
 * built, in memory at the first request (admin-page.ts). esbuild is a devDependency: this module
 * is only loaded where it is installed.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The page's files by name: what `dist/admin-page/` holds. */
export type PageFiles = Record<'index.html' | 'app.js' | 'app.css', Uint8Array>;

/** Where the page's sources are, in a source checkout. */
export const PAGE_SOURCE_DIR = fileURLToPath(new URL('./page/', import.meta.url));

export async function buildAdminPage(sourceDir = PAGE_SOURCE_DIR): Promise<PageFiles> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: { app: join(sourceDir, 'main.tsx') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    // Only Preact is imported; the page must not pull in anything from the server side.
    outdir: 'out',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const output = (ext: string) => {
    const file = result.outputFiles.find((candidate) => candidate.path.endsWith(`app.${ext}`));
    if (!file) throw new Error(`The admin page build made no app.${ext}.`);
    return file.contents;
  };
  return {
    'index.html': new Uint8Array(await readFile(join(sourceDir, 'index.html'))),
    'app.js': output('js'),
    'app.css': output('css'),
  };
}

/** Writes the built page into `dir` (the package build: `dist/admin-page/`). */
export async function writeAdminPage(dir: string, sourceDir = PAGE_SOURCE_DIR): Promise<void> {
  const files = await buildAdminPage(sourceDir);
  await mkdir(dir, { recursive: true });
  for (const [name, contents] of Object.entries(files)) await writeFile(join(dir, name), contents);
}
