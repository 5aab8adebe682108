/**
 * Child processes the benchmark starts (upstream, bundled server, Express app, Portkey) and what
 * it reads about them from /proc (memory, CPU time). Every child is stopped when the run ends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Child {
  name: string;
  pid: number;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  stop(): Promise<void>;
  /** The last lines the child wrote to stderr (for error messages). */
  stderrTail(): string;
  /** The last 20 kB the child wrote to stdout (when started with `ready`). */
  stdout(): string;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const proc of running) proc.kill('SIGKILL');
});

export const ROOT = new URL('../../', import.meta.url).pathname;

/** Starts `node [--import tsx] <args>` and waits for a line matching `ready` (its group 1 is the URL or port). */
export async function startNode(name: string, args: string[], options: { env?: NodeJS.ProcessEnv; ready?: RegExp; readyUrl?: string; tsx?: boolean; timeoutMs?: number }): Promise<Child> {
  const nodeArgs = options.tsx === false ? args : ['--import', 'tsx', ...args];
  const proc = spawn(process.execPath, nodeArgs, { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(proc);
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-4000);
  });
  let stdout = '';
  let stopping = false;
  const exited = new Promise<never>((_, reject) => {
    proc.once('exit', (code, signal) => {
      const message = `${name} (pid ${proc.pid}) exited unexpectedly (${code ?? signal}); its last output: ${`${stdout.slice(-500)}\n${stderr.slice(-1500)}`.trim()}`;
      if (!stopping) process.stderr.write(`\n[bench] ${message}\n`);
      reject(new Error(message));
    });
  });
  const timeoutMs = options.timeoutMs ?? 30_000;
  let url: string;
  if (options.ready) {
    const pattern = options.ready;
    const found = new Promise<string>((resolve) => {
      proc.stdout!.setEncoding('utf8').on('data', (text: string) => {
        stdout = (stdout + text).slice(-20_000);
        const match = pattern.exec(stdout);
        if (match?.[1]) resolve(match[1]);
      });
    });
    const value = await Promise.race([found, exited, sleep(timeoutMs).then(() => Promise.reject(new Error(`${name} did not start within ${timeoutMs} ms`)))]);
    url = /^\d+$/.test(value) ? `http://127.0.0.1:${value}` : value;
  } else {
    proc.stdout!.resume(); // never let a chatty child block on a full pipe
    url = options.readyUrl!;
    await Promise.race([waitForHttp(url, timeoutMs), exited]);
  }
  exited.catch(() => {});
  return {
    name,
    pid: proc.pid!,
    url,
    stderrTail: () => stderr,
    stdout: () => stdout,
    async stop() {
      stopping = true;
      if (proc.exitCode !== null || proc.signalCode !== null) return void running.delete(proc);
      const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
      running.delete(proc);
    },
  };
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
      await sleep(100);
    }
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resident memory now and at its peak (VmHWM), in bytes. */
export function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** User + system CPU time the process has used, in microseconds (clock ticks of 10 ms). */
export function cpuMicros(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return Number.NaN; // the process is gone
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks * 10_000;
}

/** CPU ticks (10 ms) the whole machine spent busy since boot (/proc/stat: all but idle and iowait). */
function machineBusyTicks(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return user! + nice! + system! + irq! + softirq! + steal!;
}

/** CPU ticks of this process, its reaped children and its live children. */
function ownTicks(): number {
  const ticksOf = (pid: number | 'self') => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      return 0;
    }
  };
  let total = ticksOf('self');
  for (const proc of running) if (proc.pid !== undefined && proc.exitCode === null && proc.signalCode === null) total += ticksOf(proc.pid);
  return total;
}

/**
 * How much CPU other processes on the machine used since the last call, as a share of all cores:
 * the benchmark cannot keep other work off the machine, so it reports it next to the numbers.
 */
export function foreignLoadMeter(): () => number {
  let busy = machineBusyTicks();
  let own = ownTicks();
  let at = performance.now();
  return () => {
    const [busyNow, ownNow, now] = [machineBusyTicks(), ownTicks(), performance.now()];
    const capacityTicks = ((now - at) / 10) * cpus().length;
    const share = capacityTicks > 0 ? Math.max(0, busyNow - busy - (ownNow - own)) / capacityTicks : 0;
    [busy, own, at] = [busyNow, ownNow, now];
    return share;
  };
}
