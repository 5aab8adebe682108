import { z } from 'zod';
import type { ApprovalBook } from '../pipeline/approval-book.js';
import type { ApprovalRecord, ApprovalState } from '../types.js';
import { adminError } from './admin-error.js';
import { readJson } from './validate.js';

const STATES = ['pending', 'approved', 'denied', 'used', 'expired'] as const satisfies readonly ApprovalState[];

const listQuery = z.strictObject({
  state: z.enum([...STATES, 'all']).default('all'),
  proxyId: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});

/** The optional body of approve and deny. */
const decisionBody = z.strictObject({
  /** Who decided, as the row records it. @default 'admin-token' */
  by: z.string().trim().min(1).max(200).default('admin-token'),
  note: z.string().max(1_000).optional(),
});

/**
 * `GET /admin/api/approvals[?state=pending&proxyId=&limit=]`: approvals newest first.
 * `POST /admin/api/approvals/{id}/approve|deny` with an optional `{ "by", "note" }`: decides a
 * pending approval (404 unknown id, 409 no longer pending: decided, used or expired).
 */
export async function handleApprovals(request: Request, segments: readonly string[], book: ApprovalBook): Promise<Response> {
  if (segments.length === 0) {
    if (request.method !== 'GET') return adminError(405, `${request.method} is not served here; use GET.`, { allow: 'GET' });
    const query = listQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!query.success) return adminError(400, `Bad query: ${issues(query.error)}`);
    const { state, proxyId, limit } = query.data;
    // What this process held is listed too, and what lapsed is listed as expired.
    await book.settled();
    await book.store.expireApprovals(new Date().toISOString());
    const approvals = await book.store.listApprovals({ ...(state === 'all' ? {} : { states: [state] }), ...(proxyId ? { proxyId } : {}), limit });
    return Response.json({ approvals: approvals.map(shown) });
  }
  const [id, action] = segments;
  if (segments.length !== 2 || !id || (action !== 'approve' && action !== 'deny')) return adminError(404, 'Unknown admin path: use /admin/api/approvals[/{id}/approve|deny].');
  if (request.method !== 'POST') return adminError(405, `${request.method} is not served here; use POST.`, { allow: 'POST' });
  const body = await readDecision(request);
  if ('error' in body) return body.error;
  await book.settled();
  const decided = await book.store.decideApproval(id, { state: action === 'approve' ? 'approved' : 'denied', by: body.by, note: body.note ?? null, at: new Date().toISOString() });
  if (decided.outcome === 'unknown') return adminError(404, `No approval has the id ${id}.`);
  if (decided.outcome === 'conflict') return adminError(409, `Approval ${id} is ${decided.approval.state}: only a pending approval can be decided.`, {}, { approval: shown(decided.approval) });
  return Response.json({ approval: shown(decided.approval) });
}

async function readDecision(request: Request): Promise<z.output<typeof decisionBody> | { error: Response }> {
  const json = await readJson(request);
  if ('error' in json) return json;
  const parsed = decisionBody.safeParse(json.value ?? {});
  return parsed.success ? parsed.data : { error: adminError(400, `Bad body: ${issues(parsed.error)}`) };
}

/** An approval as the API shows it: its key is an internal hash and stays out. */
function shown({ key: _key, ...approval }: ApprovalRecord): Omit<ApprovalRecord, 'key'> {
  return approval;
}

function issues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'value'}: ${issue.message}`).join('; ');
}
