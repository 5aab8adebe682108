/**
 * Item 2 of issue 14: an application that makes its calls in process (createProxyFetch,
 * withArchestra) on a file store and then ends, however it ends, keeps every row, even with
 * `durability: 'batched'` and a flush interval far longer than its life (the rows are still
 * queued when it ends). Each case is a real child process (test/helpers/audit-exit-app.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

let up: ScriptedOpenAI;
let dir: string;

beforeAll(async () => {
  up = await startOpenAIUpstream();
  dir = mkdtempSync(join(tmpdir(), 'archestra-exit-'));
});
afterAll(async () => {
  await up.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs the app; `whenCalled` runs once it printed `called` (its calls answered). */
function runApp(env: Record<string, string>, whenCalled?: (child: ChildProcess) => void): Promise<Ended> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/audit-exit-app.ts'], {
    env: { ...process.env, UPSTREAM: up.baseUrl, CALLS: '4', ...env },
  });
  let output = '';
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    if (whenCalled && output.includes('called')) {
      whenCalled(child);
      whenCalled = undefined;
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve, reject) => {
    // Generous for a cold start on a busy machine; an app kept alive by the proxy would hang here.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the app did not end by itself:\n${output}`));
    }, 30_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

/** The execution ids of the rows in the file, and whether the file is sound. */
function readRows(path: string): { ids: string[]; integrity: unknown } {
  const db = new Database(path, { readonly: true });
  try {
    const ids = (db.prepare('SELECT execution_id FROM interactions ORDER BY execution_id').all() as { execution_id: string }[]).map((row) => row.execution_id);
    return { ids, integrity: db.pragma('integrity_check', { simple: true }) };
  } finally {
    db.close();
  }
}

const ALL = ['call-0', 'call-1', 'call-2', 'call-3'];
/** Rows queued for a minute: only the exit hooks can write them. */
const BATCHED = { DURABILITY: 'batched', FLUSH_MS: '60000' };

// Each case is a process of its own: they run side by side.
describe.concurrent('in-process rows survive the end of the process (file store, no flush, no close)', () => {
  it('a natural end (the event loop runs dry): every row is written, and the proxy does not keep the app alive', async () => {
    const db = join(dir, 'natural.db');
    const ended = await runApp({ ...BATCHED, DB: db, END: 'natural' });
    expect(ended, ended.output).toMatchObject({ code: 0, signal: null });
    expect(readRows(db)).toEqual({ ids: ALL, integrity: 'ok' });
  });

  it('process.exit(): every row is written synchronously at exit', async () => {
    const db = join(dir, 'exit.db');
    const ended = await runApp({ ...BATCHED, DB: db, END: 'exit' });
    expect(ended, ended.output).toMatchObject({ code: 0, signal: null });
    expect(readRows(db)).toEqual({ ids: ALL, integrity: 'ok' });
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s with no handler of its own: every row is written, and the signal still ends the app as it would have', async (signal) => {
    const db = join(dir, `${signal}.db`);
    const ended = await runApp({ ...BATCHED, DB: db, END: 'signal' }, (child) => child.kill(signal));
    expect(ended, ended.output).toMatchObject({ code: null, signal });
    expect(readRows(db)).toEqual({ ids: ALL, integrity: 'ok' });
  });

  it("SIGTERM with the app's own handler: the app decides how to end, and its process.exit() writes the rows", async () => {
    const db = join(dir, 'own-handler.db');
    const ended = await runApp({ ...BATCHED, DB: db, END: 'own-handler' }, (child) => child.kill('SIGTERM'));
    expect(ended, ended.output).toMatchObject({ code: 3, signal: null });
    expect(readRows(db)).toEqual({ ids: ALL, integrity: 'ok' });
  });

  it('durability commit (the default): the rows are committed before the answers, whatever follows', async () => {
    const db = join(dir, 'commit.db');
    // A minute's flush interval: rows left to batching would still be queued at the kill.
    const ended = await runApp({ DURABILITY: 'commit', FLUSH_MS: '60000', DB: db, END: 'signal' }, (child) => child.kill('SIGKILL'));
    expect(ended.signal).toBe('SIGKILL');
    expect(readRows(db)).toEqual({ ids: ALL, integrity: 'ok' });
  });
});
