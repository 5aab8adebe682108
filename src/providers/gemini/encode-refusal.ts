import { type BlockedCall, refusalText } from '../../policy/refusal.js';
import { isRecord, safeParseJson } from '../shared/json.js';
import type { HeldEvent } from '../types.js';
import { candidateActions } from './answer-actions.js';
import { candidateNumber, createAnswerIds } from './call-ids.js';
import { field, partKind } from './parts.js';

/** One candidate's progress through the answer's chunks (a stream carries a candidate in many). */
interface CandidateState {
  /** The text part that says why: added once, where the first refused call stood. */
  refusal?: Record<string, unknown>;
  /** A refused call's `thoughtSignature`, which goes on to the first call kept (or the refusal). */
  signature?: string;
  signaturePlaced: boolean;
}

/**
 * Takes refused calls out of a run of `GenerateContentResponse` chunks (in place, in order): one
 * for a JSON answer, several for a stream or the JSON array of `streamGenerateContent`. Gemini
 * sends a call whole in one part, so removing the part removes every byte of it. A call (or a part
 * of an unknown type) is known by the id the decoder gave it: its own `id`, else its position
 * (`#<candidate>.<n>`), so of two id-less calls of one tool exactly the refused one goes.
 * `finishReason` stays (Gemini says `STOP` for an answer with calls and one without alike).
 *
 * Returns, per chunk, whether it changed and whether it was left with nothing to say (dropped);
 * `removed` is false when not every refused call was found (the caller then fails closed).
 */
function refuseChunks(chunks: readonly unknown[], blocked: readonly BlockedCall[]) {
  const refused = new Set(blocked.map((call) => call.toolCallId));
  const found = new Set<string>();
  const text = refusalText(blocked);
  const states = new Map<unknown, CandidateState>();
  const ids = createAnswerIds();
  const outcome = chunks.map((chunk) => {
    let changed = false;
    let empty = false;
    if (!isRecord(chunk) || !Array.isArray(chunk.candidates)) return { changed, drop: false };
    for (const [position, candidate] of chunk.candidates.entries()) {
      if (!isRecord(candidate)) continue;
      const actions = candidateActions(candidate, position, ids);
      if (actions.length === 0 || !isRecord(candidate.content) || !Array.isArray(candidate.content.parts)) continue;
      const removedParts = new Set(actions.filter((action) => refused.has(action.call.id)).map((action) => action.part));
      for (const action of actions) if (refused.has(action.call.id)) found.add(action.call.id);
      const key = candidateNumber(candidate, position);
      const state = states.get(key) ?? { signaturePlaced: false };
      states.set(key, state);
      const parts: unknown[] = [];
      for (const [index, part] of candidate.content.parts.entries()) {
        if (removedParts.has(index)) {
          const signature = isRecord(part) ? field(part, 'thoughtSignature', 'thought_signature') : undefined;
          if (typeof signature === 'string' && state.signature === undefined) state.signature = signature;
          if (!state.refusal) {
            state.refusal = { text };
            parts.push(state.refusal);
          }
          continue;
        }
        // Gemini signs only the first call of a turn; the turn sent back must keep a signed first call.
        if (state.signature !== undefined && !state.signaturePlaced && isRecord(part) && partKind(part).kind === 'call' && field(part, 'thoughtSignature', 'thought_signature') === undefined) {
          part.thoughtSignature = state.signature;
          state.signaturePlaced = true;
          changed = true;
        }
        parts.push(part);
      }
      if (removedParts.size === 0) continue;
      changed = true;
      if (parts.length > 0) candidate.content.parts = parts;
      else if (candidate.finishReason !== undefined) candidate.content.parts = [{ text: '' }];
      else {
        // Nothing left of this candidate in this chunk: an SDK's chat takes `parts: []` as invalid.
        candidate.content.parts = [{ text: '' }];
        empty = chunk.candidates.length === 1;
      }
    }
    return { changed, drop: empty };
  });
  for (const state of states.values()) {
    if (state.refusal && state.signature !== undefined && !state.signaturePlaced) state.refusal.thoughtSignature = state.signature;
  }
  return { removed: found.size === refused.size, outcome };
}

/**
 * A `generateContent` answer (or the JSON array of `streamGenerateContent` without `alt=sse`)
 * without the refused calls, the refusal said in a text part. Undefined when the calls cannot be
 * found in it: the whole answer is then refused.
 */
export function refuseGenerateResponse(json: unknown, blocked: readonly BlockedCall[]): unknown {
  const chunks = Array.isArray(json) ? json : [json];
  const { removed, outcome } = refuseChunks(chunks, blocked);
  if (!removed) return undefined;
  return Array.isArray(json) ? json.filter((_, index) => !outcome[index]?.drop) : json;
}

/**
 * The held events of a `streamGenerateContent?alt=sse` stream, re-encoded without the refused
 * calls: events that did not change go out as they came; an event left empty is dropped. There
 * is no terminator to keep: the end of the body ends the answer.
 */
export function refuseGenerateStream(held: readonly HeldEvent[], blocked: readonly BlockedCall[]): string | undefined {
  const chunks = held.map((event) => {
    const parsed = safeParseJson(event.data);
    return parsed.success ? parsed.value : undefined;
  });
  const { removed, outcome } = refuseChunks(chunks, blocked);
  if (!removed) return undefined;
  return held
    .map((event, index) => {
      const { changed, drop } = outcome[index] ?? { changed: false, drop: false };
      if (drop) return '';
      return changed ? `data: ${JSON.stringify(chunks[index])}\n\n` : event.encoded;
    })
    .join('');
}
