import { userInfo } from 'node:os';
import { loadConfig } from '../config/load-config.js';
import { ConfigError } from '../errors.js';
import { openCliStore } from './cli-store.js';
import type { ApprovalRecord, ApprovalState } from '../types.js';
import { actionOf, parseCommand } from './parse-command.js';
import { EXIT, EXIT_CODES_HELP, UsageError } from './usage-error.js';

export const APPROVALS_USAGE = `Usage: archestra-proxy approvals list [--state pending|approved|denied|used|expired] [--limit 100] [--json]
       archestra-proxy approvals approve ID [--by NAME] [--note TEXT]
       archestra-proxy approvals deny ID [--by NAME] [--note TEXT]
Common: [--config proxy.json] [--db archestra.db]. --by defaults to cli:<your user name>.
An approved call passes once: the agent's next identical call (same tool, same arguments, same session).
${EXIT_CODES_HELP}`;

export const APPROVALS_FLAGS = {
  config: { type: 'string', short: 'c' },
  db: { type: 'string' },
  state: { type: 'string' },
  limit: { type: 'string' },
  by: { type: 'string' },
  note: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const STATES: readonly ApprovalState[] = ['pending', 'approved', 'denied', 'used', 'expired'];

/** `archestra-proxy approvals ...`: lists and decides held tool calls in the store the server uses. */
export async function approvalsCommand(argv: string[]): Promise<number> {
  const { positionals, values, help } = parseCommand('approvals', argv, APPROVALS_FLAGS);
  const action = actionOf('approvals', positionals[0], ['list', 'approve', 'deny']);
  if (help) {
    console.log(APPROVALS_USAGE);
    return EXIT.ok;
  }
  const [, id, extra] = positionals;
  const deciding = action === 'approve' || action === 'deny';
  if (!(action === 'list' && id === undefined) && !(deciding && id !== undefined && extra === undefined)) {
    throw new UsageError(`${action === undefined ? 'approvals needs list, approve or deny' : deciding ? `approvals ${action} takes one approval id` : 'approvals list takes no arguments'}.\n\n${APPROVALS_USAGE}`);
  }
  const state = values.state;
  if (state !== undefined && !(STATES as readonly string[]).includes(state)) throw new UsageError(`--state must be one of ${STATES.join(', ')}; got "${state}".`);
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a whole number, 1 or more; got "${values.limit}".`);
  const loaded = await loadConfig({ ...(values.config ? { configPath: values.config } : {}), flags: { db: values.db } });
  const storePath = typeof loaded.proxy.store === 'string' ? loaded.proxy.store : 'archestra.db';
  if (storePath === ':memory:') throw new ConfigError('approvals work on the store file the server uses: give it with --db (a server on ":memory:" is decided through its admin API).');
  // The file is shared with a running server: its approvals table is read and written directly.
  const store = await openCliStore(storePath);
  const approvals = store.approvals!;
  try {
    if (action === 'list') {
      await approvals.expireApprovals(new Date().toISOString());
      const list = await approvals.listApprovals({ ...(state ? { states: [state as ApprovalState] } : {}), limit });
      if (values.json) console.log(JSON.stringify(list.map(({ key: _key, ...shown }) => shown)));
      else if (list.length === 0) console.log(state ? `No ${state} approvals.` : 'No approvals.');
      else for (const approval of list) console.log(line(approval));
      return 0;
    }
    const by = values.by?.trim() || `cli:${userName()}`;
    const decided = await approvals.decideApproval(id!, { state: action === 'approve' ? 'approved' : 'denied', by, note: values.note ?? null, at: new Date().toISOString() });
    if (decided.outcome === 'unknown') {
      console.error(`No approval has the id ${id}.`);
      return 1;
    }
    if (decided.outcome === 'conflict') {
      console.error(`Approval ${id} is ${decided.approval.state}${decided.approval.decidedBy ? ` (by ${decided.approval.decidedBy})` : ''}: only a pending approval can be decided.`);
      return 1;
    }
    console.log(action === 'approve'
      ? `Approved ${id} (${decided.approval.tool}) as ${by}: the agent's next identical call passes once, until ${decided.approval.expiresAt}.`
      : `Denied ${id} (${decided.approval.tool}) as ${by}: identical calls stay refused until ${decided.approval.expiresAt}.`);
    return 0;
  } finally {
    await store.close();
  }
}

/** One approval on one line: id, state, when, proxy and scope, the call, who decided. */
function line(approval: ApprovalRecord): string {
  const call = `${approval.tool} ${approval.arguments.length > 200 ? `${approval.arguments.slice(0, 200)}…` : approval.arguments}`;
  const decided = approval.decidedBy ? `  by ${approval.decidedBy}${approval.note ? ` (${approval.note})` : ''}` : '';
  return [approval.id, approval.state.padEnd(8), approval.createdAt, `${approval.proxyId}/${approval.scope}`, call].join('  ') + decided;
}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
