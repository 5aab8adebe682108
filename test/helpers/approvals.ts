/**
 * Helpers for tests of human approval (`require_approval`): the admin API with its token, and the
 * approval id a held call's refusal told the client about.
 */
import { expect } from 'vitest';
import type { Proxy } from '../../src/index.js';

export const ADMIN_TOKEN = 'admin-token-for-approval-tests-0123456789';

/** What the client saw: the tool calls it got (name and arguments), and everything else as text. */
export interface Seen {
  calls: { name: string; args: Record<string, unknown> }[];
  text: string;
}

/** A call of the proxy's admin API (`/admin/api/<path>`), authenticated with `ADMIN_TOKEN`. */
export async function admin(proxy: Proxy, path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; json: any }> {
  const response = await proxy.handle(new Request(`http://proxy/admin/api/${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  }));
  return { status: response.status, json: await response.json() };
}

/** The approval id the refusal told the client about; fails when a call got through or no id is given. */
export function heldId(seen: Seen): string {
  expect(seen.calls).toEqual([]);
  expect(seen.text).toContain('awaits a person');
  const id = /apr_[A-Za-z0-9_-]+/.exec(seen.text)?.[0];
  if (!id) throw new Error(`no approval id in: ${seen.text}`);
  return id;
}
