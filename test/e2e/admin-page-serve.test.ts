/**
 * The admin page's files: served at `<mount>/admin/` only when the admin API is on, with relative
 * links (any mount works), a strict CSP, ETags; built in memory from the sources in a source
 * checkout, or read from the package build's `dist/admin-page/`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readBuiltPage } from '../../src/admin/admin-page.js';
import { buildAdminPage, writeAdminPage } from '../../src/admin/page-build.js';
import { startServer } from '../../src/cli/server.js';
import { nodeProxy } from '../../src/ways-in/node.js';
import { suiteProxies } from '../helpers/proxy.js';
import { listen } from '../helpers/way-in.js';
import { startOpenAIUpstream } from '../upstream/openai.js';

const TOKEN = 'admin-token-0123456789abcdef';

describe('admin page: the files', () => {
  const proxies = suiteProxies();

  it('off without an admin token: 404, like the API', async () => {
    const proxy = proxies.create({});
    for (const path of ['/admin', '/admin/', '/admin/app.js']) {
      expect((await proxy.handle(new Request(`http://proxy${path}`))).status).toBe(404);
    }
  });

  it('/admin redirects to admin/ (relative); the HTML loads app.js and app.css by relative URLs under a strict CSP', async () => {
    const proxy = proxies.create({ admin: { token: TOKEN } });
    const redirect = await proxy.handle(new Request('http://proxy/admin'));
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('admin/');

    const page = await proxy.handle(new Request('http://proxy/admin/'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    expect(html).toContain('src="app.js"');
    expect(html).toContain('href="app.css"');
    expect(html).not.toMatch(/https?:\/\//);

    const script = await proxy.handle(new Request('http://proxy/admin/app.js'));
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const js = await script.text();
    // Bundled: no module imports, no address but the XML namespaces (works offline, no CDN).
    expect(js.match(/\bimport\s*\(|\bimport\s*["'{*]|\bfrom\s*["'][./@\w]/)).toBeNull();
    expect([...js.matchAll(/https?:\/\/[^"'`\s]*/g)].map(([url]) => url).filter((url) => !url.startsWith('http://www.w3.org/'))).toEqual([]);
    expect(js).toContain('api/');
    expect((await proxy.handle(new Request('http://proxy/admin/app.css'))).headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('ETag and 304; HEAD without a body; unknown files 404; other methods 405; the API still wants its token', async () => {
    const proxy = proxies.create({ admin: { token: TOKEN } });
    const first = await proxy.handle(new Request('http://proxy/admin/app.js'));
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]{22}"$/);
    expect((await proxy.handle(new Request('http://proxy/admin/app.js', { headers: { 'if-none-match': etag } }))).status).toBe(304);
    const head = await proxy.handle(new Request('http://proxy/admin/', { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    for (const path of ['/admin/secrets.json', '/admin/../package.json', '/admin/app.js/x', '/admin/constructor']) {
      expect((await proxy.handle(new Request(`http://proxy${path}`))).status).toBe(404);
    }
    expect((await proxy.handle(new Request('http://proxy/admin/', { method: 'POST', body: '{}' }))).status).toBe(405);
    expect((await proxy.handle(new Request('http://proxy/admin/api/approvals'))).status).toBe(401);
  });

  it('fail closed: no path under /admin/ reaches an upstream, whatever it looks like', async () => {
    const up = await startOpenAIUpstream();
    try {
      const proxy = proxies.create({ admin: { token: TOKEN }, providers: { openai: { baseUrl: up.baseUrl } } });
      const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      for (const path of ['/admin/openai/chat/completions', '/admin/v1/chat/completions', '/admin/openai/support/chat/completions']) {
        const post = await proxy.handle(new Request(`http://proxy${path}`, { method: 'POST', headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' }, body }));
        expect(post.status).toBe(405);
        expect((await proxy.handle(new Request(`http://proxy${path}`))).status).toBe(404);
      }
      expect(up.requests).toHaveLength(0);
    } finally {
      await up.close();
    }
  });

  it('mounted under a prefix, the redirect and the relative links land under it', async () => {
    const proxy = proxies.create({ admin: { token: TOKEN } });
    const server = await listen(createServer(nodeProxy(proxy, { prefix: '/llm' })));
    try {
      const page = await fetch(`${server.origin}/llm/admin`);
      expect(page.url).toBe(`${server.origin}/llm/admin/`);
      expect(page.status).toBe(200);
      expect((await fetch(new URL('app.js', page.url))).status).toBe(200);
      expect((await fetch(new URL('api/approvals', page.url))).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it('the bundled server serves it at /admin/ beside the API', async () => {
    const proxy = proxies.create({ admin: { token: TOKEN } });
    const running = await startServer(proxy, '127.0.0.1', 0);
    try {
      const page = await fetch(`${running.url}/admin`);
      expect(page.url).toBe(`${running.url}/admin/`);
      expect(await page.text()).toContain('<div id="app">');
    } finally {
      await running.close(0);
    }
  });

  it('the package build writes the three files the server reads back; a folder without them is no build', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'admin-page-'));
    try {
      expect(await readBuiltPage(dir)).toBeNull();
      await writeAdminPage(dir);
      const built = await readBuiltPage(dir);
      const fresh = await buildAdminPage();
      expect(Buffer.from(built!['app.js']).equals(Buffer.from(fresh['app.js']))).toBe(true);
      // Small: Preact and the page's own code, gzipped (the report quotes the figure).
      expect(gzipSync(built!['app.js']).length).toBeLessThan(30_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
