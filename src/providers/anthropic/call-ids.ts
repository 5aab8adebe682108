import { isRecord } from '../shared/json.js';
import { isJudgedCall } from './blocks.js';

/**
 * The ids the policy and the refusal encoders know calls (and tool results) by. A block keeps its
 * own id when it is a non-empty string, unique among its kind; otherwise (no id, null, a number,
 * a duplicate, or a string starting with `#`, which is kept for these) it gets `#<position>`. The
 * decoders and the encoders compute them with these same functions, so a refused call is removed
 * whatever it lacks, and the audit row and the answer name the same one.
 */

export function assignIds(items: readonly { id: unknown; position: string }[]): string[] {
  const usable = (id: unknown): id is string => typeof id === 'string' && id !== '' && !id.startsWith('#');
  const counts = new Map<string, number>();
  for (const { id } of items) if (usable(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
  return items.map(({ id, position }) => (usable(id) && counts.get(id) === 1 ? id : `#${position}`));
}

/**
 * The ids of the judged calls of an answer's content (by position; undefined for other blocks).
 * A stream gives the blocks by their `index`, which the reader holds to be their position.
 */
export function answerCallIds(content: readonly unknown[]): (string | undefined)[] {
  const calls: { id: unknown; position: string; at: number }[] = [];
  for (let at = 0; at < content.length; at++) {
    const block = content[at];
    if (isJudgedCall(block)) calls.push({ id: isRecord(block) ? block.id : undefined, position: String(at), at });
  }
  const ids: (string | undefined)[] = new Array<string | undefined>(content.length).fill(undefined);
  assignIds(calls).forEach((id, i) => (ids[calls[i]!.at] = id));
  return ids;
}

/** A `tool_result` block of a request, where it is, and the id it is known by. */
export interface LocatedToolResult {
  block: Record<string, unknown>;
  /** Its message's position in `messages`. */
  messagePosition: number;
  id: string;
}

/**
 * Every `tool_result` block of a request's messages (top-level in a turn's content), with its id:
 * its own `tool_use_id`, or `#<message>.<block>`.
 */
export function locateToolResults(messages: readonly unknown[]): LocatedToolResult[] {
  const found: { block: Record<string, unknown>; messagePosition: number; position: string; id: unknown }[] = [];
  for (const [messagePosition, message] of messages.entries()) {
    if (!isRecord(message) || !Array.isArray(message.content)) continue;
    for (const [blockPosition, block] of message.content.entries()) {
      if (isRecord(block) && block.type === 'tool_result') found.push({ block, messagePosition, position: `${messagePosition}.${blockPosition}`, id: block.tool_use_id });
    }
  }
  const ids = assignIds(found);
  return found.map(({ block, messagePosition }, i) => ({ block, messagePosition, id: ids[i]! }));
}
