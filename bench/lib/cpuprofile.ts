/** Reads a V8 .cpuprofile (node --cpu-prof) and totals self time per function. */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  name: string;
  /** Where it lives: a path relative to the repository, `node:...`, or a package. */
  where: string;
  selfMs: number;
  share: number;
}

export function where(url: string, root: string): string {
  if (url === '') return '(native/V8)';
  const path = url.replace(/^file:\/\//, '');
  if (path.startsWith('node:')) return path;
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = path.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  return path.startsWith(root) ? path.slice(root.length) : path;
}

/**
 * Self time per function and per "where" (a file of this repository, a `node:` module or a
 * package), largest first. Time in a native function counts for its nearest JavaScript caller's
 * file; idle and the profiler's own inspector calls are left out; GC and "(program)" are their own rows.
 */
export function selfTimes(file: string, root: string): { byFunction: SelfTime[]; byWhere: SelfTime[]; totalMs: number } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  /** A native function (url '') is charged to its nearest JavaScript caller's file. */
  const caller = (id: number): ProfileNode | undefined => {
    let at = parent.get(id);
    while (at !== undefined && byId.get(at)!.callFrame.url === '') at = parent.get(at);
    return at === undefined ? undefined : byId.get(at);
  };
  const functions = new Map<string, SelfTime>();
  const places = new Map<string, SelfTime>();
  let total = 0;
  for (const [id, micros] of self) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    const special = frame.url === '' && frame.functionName.startsWith('(');
    const from = frame.url === '' && !special ? caller(id)?.callFrame : undefined;
    const at = from ? where(from.url, root) : where(frame.url, root);
    if (at === 'node:inspector') continue; // the profiler's own session
    total += micros;
    const name = from ? `${frame.functionName || '(anonymous)'} [native, from ${from.functionName || '(anonymous)'}]` : frame.functionName || '(anonymous)';
    const key = `${name}|${at}`;
    const fn = functions.get(key) ?? { name, where: at, selfMs: 0, share: 0 };
    fn.selfMs += micros / 1000;
    functions.set(key, fn);
    const place = places.get(at) ?? { name: at, where: at, selfMs: 0, share: 0 };
    place.selfMs += micros / 1000;
    places.set(at, place);
  }
  const finish = (rows: Iterable<SelfTime>) =>
    [...rows].map((row) => ({ ...row, share: total > 0 ? (row.selfMs * 1000) / total : 0 })).sort((a, b) => b.selfMs - a.selfMs);
  return { byFunction: finish(functions.values()), byWhere: finish(places.values()), totalMs: total / 1000 };
}
