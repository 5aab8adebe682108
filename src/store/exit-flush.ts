import type { InteractionRecord } from '../types.js';

/** An audit log as the process's end sees it. */
export interface ExitFlushable {
  /** Writes what is queued (asynchronously). */
  flush(): Promise<void>;
  /** The rows not known to be committed: in flight and queued. */
  rows(): readonly InteractionRecord[];
  /** Writes `rows` synchronously (rows already saved are skipped). */
  saveNow(rows: readonly InteractionRecord[]): void;
  /** Whether its store can write synchronously (a SQLite file can; a remote store cannot). */
  readonly canSaveNow: boolean;
  /** Its last write failed: a natural end does not retry it again and again. */
  readonly failing: boolean;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** The audit logs with rows not yet written. Only they are held here: an idle proxy can be collected. */
const busy = new Set<ExitFlushable>();
let watching = false;
let hooked = false;

/**
 * An application that makes its calls and simply ends, calls `process.exit()`, or is stopped by
 * SIGINT or SIGTERM must not lose the rows still queued:
 * - `beforeExit` (the event loop ran dry): the queued rows are written the usual way, which keeps
 *   the process alive until they are;
 * - `exit`: only synchronous work runs, so a store that can writes them synchronously;
 * - SIGINT/SIGTERM with no other listener (the application left the signal to Node, which would
 *   end the process without `exit`): the same synchronous write, then the signal's default action.
 *   An application that listens itself decides how to end, and `exit` covers what is left.
 * No timer is held: these hooks never keep a process alive.
 */
export function watchForExit(): { busy(log: ExitFlushable): void; idle(log: ExitFlushable): void } {
  return {
    busy(log) {
      busy.add(log);
      if (!watching) {
        watching = true;
        process.on('beforeExit', flushQueued);
      }
      if (log.canSaveNow && !hooked) {
        hooked = true;
        process.on('exit', saveNow);
        for (const signal of SIGNALS) process.on(signal, onSignal);
      }
    },
    idle(log) {
      busy.delete(log);
    },
  };
}

function flushQueued(): void {
  for (const log of busy) if (!log.failing) void log.flush();
}

function saveNow(): void {
  for (const log of busy) {
    if (!log.canSaveNow) continue;
    const rows = log.rows();
    if (rows.length === 0) continue;
    try {
      log.saveNow(rows);
      busy.delete(log);
    } catch (error) {
      console.error(`[archestra] ${rows.length} audit rows could not be written at exit:`, error instanceof Error ? error.message : error);
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  saveNow();
  for (const name of SIGNALS) process.removeListener(name, onSignal);
  process.kill(process.pid, signal);
}
