import type { InteractionRecord, Store } from '../types.js';
import { MOUNT } from './server.js';
import { refusalOf } from './refusal.js';

/** What the bundled server counts for its last line, and prints per request with `--log requests`. */
export interface RequestLog {
  /** The store the proxy is given: the same store, every row it writes also counted (and printed). */
  store: Store;
  /** e.g. `Served 12 requests, 2 refused.` */
  summary(): string;
}

/**
 * Watches the rows the proxy writes to `store`: each request's final row (one per request,
 * whatever happened to it) is counted, and with `print` shown as one short line. The row, not
 * the HTTP exchange, is what is shown, so a refusal inside a 200 answer (a blocked tool call)
 * is marked too.
 */
export function watchRequests(store: Store, print?: (line: string) => void): RequestLog {
  let served = 0;
  let refused = 0;
  const seen = (rows: readonly InteractionRecord[]) => {
    for (const row of rows) {
      // A request sent upstream has a `started` row first; its final row follows.
      if (row.outcome === 'started') continue;
      served++;
      const refusal = refusalOf(row);
      if (refusal !== undefined) refused++;
      print?.(requestLine(row, refusal));
    }
  };
  const watched = new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'saveInteractions') return (rows: readonly InteractionRecord[]) => {
        const saved = target.saveInteractions(rows);
        seen(rows);
        return saved;
      };
      if (property === 'saveInteractionsSync' && target.saveInteractionsSync) return (rows: readonly InteractionRecord[]) => {
        target.saveInteractionsSync!(rows);
        seen(rows);
      };
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    store: watched,
    summary: () => `Served ${served} request${served === 1 ? '' : 's'}, ${refused} refused.`,
  };
}

/**
 * `07:31:02 openai /v1/openai chat gpt-4o 200 12ms` plus `REFUSED <what> by rule <id>: <why>`.
 * The row keeps the profile and the operation, not the raw path: the path shown is the mount the
 * client called and the operation it asked for.
 */
export function requestLine(row: InteractionRecord, refusal = refusalOf(row)): string {
  const time = row.createdAt.slice(11, 19);
  const mount = row.provider === null ? MOUNT : `${MOUNT}/${row.provider}${row.proxyId === 'default' ? '' : `/${row.proxyId}`}`;
  const parts = [time, mount, row.operation ?? '-', row.model ?? '-', String(row.status), `${Math.round(row.durationMs)}ms`];
  if (row.agentId) parts.push(`agent=${row.agentId}`);
  if (refusal !== undefined) parts.push(`REFUSED ${refusal}`);
  else if (row.outcome !== 'ok') parts.push(`${row.outcome}${row.error ? `: ${row.error}` : ''}`);
  return parts.join(' ');
}
