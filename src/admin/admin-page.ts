/**
 * Serves the admin page at `<mount>/admin/` (beside the admin API at `<mount>/admin/api/`): three
 * static files, no data. The page asks for the admin token itself and sends it to the API, so
 * the files need none. Links are relative, so the page works wherever the proxy is mounted.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PageFiles } from './page-build.js';

/** Where the page is, relative to the proxy's mount. */
export const ADMIN_PAGE_PATH = '/admin';

/** Where the package build puts the page: next to the built modules (`dist/admin-page/`). */
const BUILT_DIR = fileURLToPath(new URL('./admin-page/', import.meta.url));

const CONTENT_TYPES: Record<keyof PageFiles, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/** The page loads only its own files and talks only to its own origin; nothing may frame it. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

interface ServedFile {
  body: Uint8Array<ArrayBuffer>;
  etag: string;
}

/** True for the page's own paths (`/admin`, `/admin/...`), not the API's. */
export function isAdminPagePath(path: string): boolean {
  return path === ADMIN_PAGE_PATH || (path.startsWith(`${ADMIN_PAGE_PATH}/`) && !path.startsWith(`${ADMIN_PAGE_PATH}/api/`));
}

/**
 * Answers a request for the page. `/admin` redirects to `/admin/` (relative, so any mount works);
 * an unknown file is 404. The files load once per process: the built ones when the package was
 * built, else built in memory from the sources (a source checkout: `npm start`, the tests).
 */
export async function serveAdminPage(request: Request, path: string): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return Response.json({ error: { message: 'The admin page answers GET only.', status: 405 } }, { status: 405, headers: { allow: 'GET, HEAD' } });
  }
  if (path === ADMIN_PAGE_PATH) return new Response(null, { status: 308, headers: { location: 'admin/' } });
  const name = (path.slice(ADMIN_PAGE_PATH.length + 1) || 'index.html') as keyof PageFiles;
  if (!Object.hasOwn(CONTENT_TYPES, name)) {
    return Response.json({ error: { message: `The admin page has no file "${name}".`, status: 404 } }, { status: 404 });
  }
  let files: Map<string, ServedFile>;
  try {
    files = await pageFiles();
  } catch (error) {
    console.error('[archestra] admin page unavailable:', error instanceof Error ? error.message : error);
    return Response.json({ error: { message: 'The admin page is not built: run `npm run build` (or install esbuild and preact to build it at run time).', status: 503 } }, { status: 503 });
  }
  const file = files.get(name)!;
  const headers = { ...SECURITY_HEADERS, 'content-type': CONTENT_TYPES[name], etag: file.etag, 'cache-control': 'no-cache' };
  if (request.headers.get('if-none-match') === file.etag) return new Response(null, { status: 304, headers });
  return new Response(request.method === 'HEAD' ? null : file.body, { status: 200, headers });
}

let loading: Promise<Map<string, ServedFile>> | null = null;

function pageFiles(): Promise<Map<string, ServedFile>> {
  loading ??= loadPageFiles().catch((error: unknown) => {
    // A failed build is tried again at the next request (a dependency installed meanwhile).
    loading = null;
    throw error;
  });
  return loading;
}

async function loadPageFiles(): Promise<Map<string, ServedFile>> {
  const files = (await readBuiltPage(BUILT_DIR)) ?? (await (await import('./page-build.js')).buildAdminPage());
  return new Map(Object.entries(files).map(([name, body]) => [name, { body: new Uint8Array(body), etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }]));
}

/** The files of a built page, or null when `dir` holds none. */
export async function readBuiltPage(dir: string): Promise<PageFiles | null> {
  try {
    const names = Object.keys(CONTENT_TYPES) as (keyof PageFiles)[];
    const bodies = await Promise.all(names.map((name) => readFile(join(dir, name))));
    return Object.fromEntries(names.map((name, i) => [name, new Uint8Array(bodies[i]!)])) as PageFiles;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
