import type { VirtualKeyInfo, VirtualKeys } from '../auth/virtual-key.js';
import { parseKeyBudget, showKeyBudget } from '../policy/key-budgets.js';
import type { KeyBudget, ProviderName } from '../types.js';
import { adminError } from './admin-error.js';
import { createKeyBody } from './schemas.js';
import { parseBody } from './validate.js';

/** A key as the API lists it: never the key, its hash or its secrets. */
export type KeyView = VirtualKeyInfo & {
  /** The one profile the key may use, when it is limited to one. */
  proxyId?: string;
  /** Its budgets as `keys create --budget` writes them (`50usd/month`). */
  budget?: string[];
};

/**
 * `GET /admin/api/keys`, `POST /admin/api/keys` (201 `{ key, record }`: the key is shown this
 * once), `POST /admin/api/keys/{id}/revoke` and `DELETE /admin/api/keys/{id}` (200 `{ record }`).
 * The same logic as the `keys` command (auth/virtual-key.ts).
 */
export async function handleKeys(request: Request, segments: readonly string[], keys: VirtualKeys): Promise<Response> {
  if (segments.length === 0) {
    if (request.method === 'GET') return Response.json({ keys: (await keys.list()).map(view) });
    if (request.method !== 'POST') return adminError(405, `${request.method} is not served here; use GET or POST.`, { allow: 'GET, POST' });
    const body = await parseBody(createKeyBody, request);
    if (body.error) return body.error;
    const { name, proxyId, proxyIds, providers, expiresAt, budget } = body.data;
    const budgets: KeyBudget[] = [];
    for (const [index, text] of (typeof budget === 'string' ? [budget] : budget ?? []).entries()) {
      const parsed = parseKeyBudget(text);
      if (typeof parsed === 'string') return adminError(400, `Bad body: budget: ${parsed}`, {}, {}, typeof budget === 'string' ? 'budget' : `budget.${index}`);
      budgets.push(parsed);
    }
    const created = await keys.create({
      name,
      ...(proxyId !== undefined ? { proxyIds: [proxyId] } : proxyIds ? { proxyIds } : {}),
      ...(providers ? { providers: providers as ProviderName[] } : {}),
      ...(expiresAt ? { expiresAt: new Date(expiresAt) } : {}),
      ...(budgets.length > 0 ? { budgets } : {}),
    });
    const { key, ...record } = created;
    return Response.json({ key, record: view(record) }, { status: 201 });
  }
  const [id, action] = segments;
  const revoking = (segments.length === 2 && action === 'revoke' && request.method === 'POST') || (segments.length === 1 && request.method === 'DELETE');
  if (!id || segments.length > 2 || (segments.length === 2 && action !== 'revoke')) return adminError(404, 'Unknown admin path: use /admin/api/keys[/{id}[/revoke]].');
  if (!revoking) return adminError(405, `${request.method} is not served here; use ${segments.length === 2 ? 'POST' : 'DELETE'}.`, { allow: segments.length === 2 ? 'POST' : 'DELETE' });
  if (!(await keys.revoke(id))) return adminError(404, `No virtual key has the id ${id}.`);
  const record = (await keys.list()).find((key) => key.id === id);
  return Response.json({ record: record && view(record) });
}

function view(info: VirtualKeyInfo): KeyView {
  return {
    ...info,
    ...(info.proxyIds?.length === 1 ? { proxyId: info.proxyIds[0] } : {}),
    ...(info.budgets && info.budgets.length > 0 ? { budget: info.budgets.map(showKeyBudget) } : {}),
  };
}
