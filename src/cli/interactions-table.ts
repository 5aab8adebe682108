import type { InteractionRecord } from '../types.js';
import { refusalOf } from './refusal.js';
import { formatUsd } from './usage-table.js';

const HEADER = ['time', 'profile', 'provider', 'model', 'agent', 'session', 'status', 'outcome', 'ms', 'tokens', 'usd', 'note'] as const;
/** Figures read right-aligned. */
const RIGHT = new Set<string>(['status', 'ms', 'tokens', 'usd']);
/** A long id or model name is cut, so a row stays one line. */
const MAX_CELL = 32;

/** One row's cells: refused rows say REFUSED and why; failed ones their error. */
export function interactionCells(row: InteractionRecord): string[] {
  const refusal = refusalOf(row);
  const tokens = row.inputTokens === null && row.outputTokens === null ? '-' : `${row.inputTokens ?? 0}/${row.outputTokens ?? 0}`;
  return [
    row.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    row.proxyId,
    row.provider ?? '-',
    cut(row.model ?? row.responseModel ?? '-'),
    cut(row.agentId ?? '-'),
    cut(row.sessionId ?? '-'),
    String(row.status),
    row.outcome,
    String(Math.round(row.durationMs)),
    tokens,
    row.costUsd === null || row.costUsd === undefined ? '-' : formatUsd(row.costUsd),
    refusal !== undefined ? `REFUSED ${refusal}` : row.outcome === 'ok' ? '' : row.error ?? '',
  ];
}

/** The rows as an aligned table with a header, in the order given. */
export function interactionsTable(rows: readonly InteractionRecord[]): string {
  const cells = rows.map(interactionCells);
  const widths = HEADER.map((title, column) => Math.max(title.length, ...cells.map((row) => row[column]!.length)));
  // The note, last, is never padded: it may be long and needs no alignment after it.
  const line = (row: readonly string[]) => row.map((cell, column) => (column === HEADER.length - 1 ? cell : RIGHT.has(HEADER[column]!) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd();
  return [line(HEADER), ...cells.map(line)].join('\n');
}

/** One row as one line for `--follow`: the table's cells without the padding. */
export function interactionLine(row: InteractionRecord): string {
  return interactionCells(row).filter((cell, index) => cell !== '' || index < HEADER.length - 1).join('  ');
}

function cut(text: string): string {
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}
