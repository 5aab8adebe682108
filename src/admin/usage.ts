import type { Store } from '../types.js';
import { adminError } from './admin-error.js';
import { usageQuery } from './schemas.js';
import { parseQuery } from './validate.js';

/**
 * `GET /admin/api/usage?from&to&by=agent|model|day|key|user|session|provider`: requests,
 * refusals, tokens and spend per group (`Store.summarizeUsage`: one aggregate, the rows are not
 * loaded). Days in order; other groups by spend, then requests.
 */
export async function handleUsage(request: Request, segments: readonly string[], store: Store): Promise<Response> {
  if (segments.length !== 0) return adminError(404, 'Unknown admin path: use /admin/api/usage.');
  if (request.method !== 'GET') return adminError(405, `${request.method} is not served here; use GET.`, { allow: 'GET' });
  const query = parseQuery(usageQuery, request);
  if (query.error) return query.error;
  if (!store.summarizeUsage) return adminError(501, 'This store cannot sum usage (Store.summarizeUsage).');
  const { from, to, by } = query.data;
  const summaries = await store.summarizeUsage({ by: [by], ...(from !== undefined ? { since: from } : {}), ...(to !== undefined ? { until: to } : {}) });
  const rows = summaries.map(({ group, ...totals }) => ({ key: group[by] ?? null, ...totals }));
  if (by === 'day') rows.sort((a, b) => ((a.key ?? '') < (b.key ?? '') ? -1 : 1));
  return Response.json({ by, rows });
}
