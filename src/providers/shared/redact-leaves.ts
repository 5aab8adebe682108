import type { StreamChannelEnd, StreamRedact } from '../types.js';
import { isRecord } from './json.js';

/**
 * Redacts every string leaf of a value that arrived whole in one event (tool-call arguments as an
 * object), each leaf on its own channel, ended at once so nothing stays held back.
 */
export function redactLeaves(value: unknown, channel: string, redact: StreamRedact, end: StreamChannelEnd): unknown {
  let n = 0;
  const visit = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const leaf = `${channel}:${n++}`;
      return redact(leaf, node) + (end(leaf).get(leaf) ?? '');
    }
    if (Array.isArray(node)) return node.map(visit);
    if (isRecord(node)) return Object.fromEntries(Object.entries(node).map(([key, inner]) => [key, visit(inner)]));
    return node;
  };
  return visit(value);
}
