/**
 * The admin API's approvals endpoints: off (404, as any unknown path) without an admin token;
 * with one, only `Authorization: Bearer <token>` gets in (401 otherwise, whatever the caller's
 * address), and errors are JSON with the right status. Served at the bundled server's root.
 */
import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/cli/server.js';
import type { Proxy } from '../../src/index.js';
import type { ApprovalRecord } from '../../src/types.js';
import { suiteProxies } from '../helpers/proxy.js';

const TOKEN = 'admin-token-0123456789abcdef';

function request(path: string, init: { method?: string; token?: string | null; body?: string; headers?: Record<string, string> } = {}): Request {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? TOKEN}`;
  return new Request(`http://proxy${path}`, { method: init.method ?? 'GET', headers, ...(init.body === undefined ? {} : { body: init.body }) });
}

async function call(proxy: Proxy, path: string, init: Parameters<typeof request>[1] = {}): Promise<{ status: number; json: any; headers: Headers }> {
  const response = await proxy.handle(request(path, init));
  return { status: response.status, json: await response.json(), headers: response.headers };
}

function pending(id: string): ApprovalRecord {
  const now = new Date();
  return {
    id, proxyId: 'default', scope: 'session:s1', key: `key-${id}`, tool: 'send_email', arguments: '{}', reason: 'ask first', ruleId: 'r',
    state: 'pending', createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
    decidedAt: null, decidedBy: null, note: null, usedAt: null, interactionId: null,
  };
}

describe('admin API: approvals', () => {
  const proxies = suiteProxies();

  it('off without an admin token: 404 like any path the proxy does not serve, token or not', async () => {
    const proxy = proxies.create({});
    expect((await call(proxy, '/admin/api/approvals')).status).toBe(404);
    expect((await call(proxy, '/admin/api/approvals/apr_x/approve', { method: 'POST' })).status).toBe(404);
  });

  it('401 without a token, with a wrong one, with another scheme; 200 with the token', async () => {
    const proxy = proxies.create({ admin: { token: TOKEN } });
    for (const init of [{ token: null }, { token: `${TOKEN}x` }, { token: 'short' }, { token: null, headers: { authorization: `Basic ${TOKEN}` } }]) {
      const denied = await call(proxy, '/admin/api/approvals', init);
      expect(denied.status).toBe(401);
      expect(denied.headers.get('www-authenticate')).toBe('Bearer realm="admin"');
      expect(denied.json.error.message).toContain('Bearer');
    }
    // The caller's address never authenticates: a request claiming to come from loopback is refused too.
    expect((await call(proxy, '/admin/api/approvals', { token: null, headers: { 'x-forwarded-for': '127.0.0.1' } })).status).toBe(401);
    expect(await call(proxy, '/admin/api/approvals')).toMatchObject({ status: 200, json: { approvals: [] } });
  });

  it('JSON errors: 404 unknown id, 409 already decided, 400 bad body or query, 405 wrong method, 404 unknown path; "by" defaults to admin-token', async () => {
    const proxy = proxies.create({ admin: { token: TOKEN } });
    await proxy.store.approvals!.createApproval(pending('apr_one'), 1_000);
    expect((await call(proxy, '/admin/api/approvals/apr_nope/approve', { method: 'POST' })).status).toBe(404);
    expect((await call(proxy, '/admin/api/approvals/apr_one/approve', { method: 'POST', body: '{not json' })).status).toBe(400);
    expect((await call(proxy, '/admin/api/approvals/apr_one/approve', { method: 'POST', body: '{"by":42}' })).status).toBe(400);
    expect((await call(proxy, '/admin/api/approvals/apr_one/approve', { method: 'POST', body: '{"who":"me"}' })).status).toBe(400);
    expect((await call(proxy, '/admin/api/approvals?state=maybe')).status).toBe(400);
    expect((await call(proxy, '/admin/api/approvals/apr_one/approve')).status).toBe(405);
    expect((await call(proxy, '/admin/api/approvals', { method: 'POST' })).status).toBe(405);
    expect((await call(proxy, '/admin/api/approvals/apr_one/maybe', { method: 'POST' })).status).toBe(404);
    expect((await call(proxy, '/admin/api/nothing')).status).toBe(404);

    expect(await call(proxy, '/admin/api/approvals/apr_one/approve', { method: 'POST' })).toMatchObject({ status: 200, json: { approval: { id: 'apr_one', state: 'approved', decidedBy: 'admin-token' } } });
    const again = await call(proxy, '/admin/api/approvals/apr_one/deny', { method: 'POST', body: '{"by":"bob"}' });
    expect(again).toMatchObject({ status: 409, json: { approval: { id: 'apr_one', state: 'approved', decidedBy: 'admin-token' } } });
    expect(again.json.error.message).toContain('only a pending approval');
    expect((await call(proxy, '/admin/api/approvals?state=approved')).json.approvals.map((approval: ApprovalRecord) => approval.id)).toEqual(['apr_one']);
    expect((await call(proxy, '/admin/api/approvals?state=pending')).json.approvals).toEqual([]);
  });

  it('the bundled server serves it at its root, beside /healthz and /metrics', async () => {
    const proxy = proxies.create({ admin: { token: TOKEN } });
    const running = await startServer(proxy, '127.0.0.1', 0);
    try {
      expect((await fetch(`${running.url}/admin/api/approvals`)).status).toBe(401);
      const listed = await fetch(`${running.url}/admin/api/approvals?state=pending`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(listed.status).toBe(200);
      expect(await listed.json()).toEqual({ approvals: [] });
    } finally {
      await running.close(0);
    }
  });
});
