import { createIdSpace } from '../shared/id-space.js';

/**
 * The ids of an answer's actions (function calls, and parts of unknown types): `#<candidate>.<n>`
 * for the n-th action of a candidate, counted across the chunks of a stream (Gemini sends each
 * call whole in one part, in order).
 */
export function createAnswerIds(): (candidate: number, own: unknown) => string {
  const idOf = createIdSpace();
  const counts = new Map<number, number>();
  return (candidate, own) => {
    const n = counts.get(candidate) ?? 0;
    counts.set(candidate, n + 1);
    return idOf(own, `#${candidate}.${n}`);
  };
}

/** A candidate's number: its `index`, else its position in `candidates`. */
export function candidateNumber(candidate: Record<string, unknown>, position: number): number {
  return typeof candidate.index === 'number' ? candidate.index : position;
}

/** The positional id of a call in a request's history: `contents[content].parts[part]`. */
export const historyCallId = (content: number, part: number) => `#call:${content}.${part}`;

/** The positional id of a tool result (`functionResponse`) in a request: `contents[content].parts[part]`. */
export const resultId = (content: number, part: number) => `#result:${content}.${part}`;
