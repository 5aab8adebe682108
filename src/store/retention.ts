import type Database from 'better-sqlite3';

/** How long audit rows are kept in a file store; either limit, both, or neither (keep all). */
export interface Retention {
  /** Rows that arrived longer ago than this are deleted. @unit days */
  maxAgeDays?: number | undefined;
  /** Beyond this many rows, the oldest are deleted. */
  maxRows?: number | undefined;
}

/** Rows deleted per transaction: small, so rows being committed meanwhile never wait long. */
export const PRUNE_BATCH_ROWS = 500;
/** How often retention runs while the store is open. @unit ms */
export const PRUNE_INTERVAL_MS = 60_000;

/** One delete, run in batches of `PRUNE_BATCH_ROWS` until a batch deletes fewer; its last parameter is the batch size. */
export interface PruneStep {
  sql: string;
  params: (string | number)[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
const DELETE_OLDER = 'DELETE FROM interactions WHERE rowid IN (SELECT rowid FROM interactions WHERE created_at < ? ORDER BY created_at LIMIT ?)';
/** A new row's id is one more than the highest kept: the oldest rows have the lowest. */
const DELETE_UP_TO = 'DELETE FROM interactions WHERE rowid IN (SELECT rowid FROM interactions WHERE rowid <= ? ORDER BY rowid LIMIT ?)';

/**
 * The deletes that bring the interactions down to `retention`: rows older than `maxAgeDays`, and
 * all but the newest `maxRows` (by insertion). Reading the newest row id is one index lookup.
 */
export function pruneSteps(db: Database.Database, retention: Retention, now = Date.now()): PruneStep[] {
  const steps: PruneStep[] = [];
  if (retention.maxAgeDays !== undefined) {
    steps.push({ sql: DELETE_OLDER, params: [new Date(now - retention.maxAgeDays * DAY_MS).toISOString(), PRUNE_BATCH_ROWS] });
  }
  if (retention.maxRows !== undefined) {
    const { newest } = db.prepare('SELECT max(rowid) AS newest FROM interactions').get() as { newest: number | null };
    if (newest !== null && newest > retention.maxRows) steps.push({ sql: DELETE_UP_TO, params: [newest - retention.maxRows, PRUNE_BATCH_ROWS] });
  }
  return steps;
}

/** Runs the steps on this thread's connection, yielding to the event loop between batches. */
export async function runPruneSteps(db: Database.Database, steps: readonly PruneStep[]): Promise<number> {
  let deleted = 0;
  for (const step of steps) {
    const statement = db.prepare(step.sql);
    for (;;) {
      if (!db.open) return deleted;
      const { changes } = statement.run(...step.params);
      deleted += changes;
      if (changes < PRUNE_BATCH_ROWS) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  return deleted;
}
