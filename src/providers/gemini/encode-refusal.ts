import { REMOVED_RESULT_TEXT, type ToolResultReplacement } from '../../policy/refusal.js';
import type { BlockedCall } from '../../policy/refusal.js';
import { refusalText } from '../../policy/refusal.js';
import { isRecord, safeParseJson } from '../shared/json.js';
import type { HeldEvent } from '../types.js';
import { field } from './parts.js';

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
 * sends a call whole in one part, so removing the part removes every byte of it. A call is known
 * by its `id`, or by its name when the API gave none (as the decoder names it: two id-less calls
 * of one tool are then refused together, fail closed). `finishReason` stays (Gemini says `STOP`
 * for an answer with calls and one without alike).
 *
 * Returns, per chunk, whether it changed and whether it was left with nothing to say (dropped);
 * `removed` is false when no refused call was found (the caller then fails closed).
 */
function refuseChunks(chunks: readonly unknown[], blocked: readonly BlockedCall[]) {
  const refused = new Set(blocked.map((call) => call.toolCallId));
  const text = refusalText(blocked);
  const states = new Map<unknown, CandidateState>();
  let removed = false;
  const outcome = chunks.map((chunk) => {
    let changed = false;
    let empty = false;
    if (!isRecord(chunk) || !Array.isArray(chunk.candidates)) return { changed, drop: false };
    for (const [position, candidate] of chunk.candidates.entries()) {
      if (!isRecord(candidate) || !isRecord(candidate.content) || !Array.isArray(candidate.content.parts)) continue;
      const key = candidate.index ?? position;
      const state = states.get(key) ?? { signaturePlaced: false };
      states.set(key, state);
      const parts: unknown[] = [];
      let removedHere = false;
      for (const part of candidate.content.parts) {
        const call = isRecord(part) ? field(part, 'functionCall', 'function_call') : undefined;
        if (!isRecord(part) || !isRecord(call)) {
          parts.push(part);
          continue;
        }
        if (refused.has(callId(call))) {
          removedHere = true;
          const signature = field(part, 'thoughtSignature', 'thought_signature');
          if (typeof signature === 'string' && state.signature === undefined) state.signature = signature;
          if (!state.refusal) {
            state.refusal = { text };
            parts.push(state.refusal);
          }
          continue;
        }
        // Gemini signs only the first call of a turn; the turn sent back must keep a signed first call.
        if (state.signature !== undefined && !state.signaturePlaced && field(part, 'thoughtSignature', 'thought_signature') === undefined) {
          part.thoughtSignature = state.signature;
          state.signaturePlaced = true;
          changed = true;
        }
        parts.push(part);
      }
      if (!removedHere) continue;
      removed = changed = true;
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
  return { removed, outcome };
}

function callId(call: Record<string, unknown>): string {
  const name = typeof call.name === 'string' ? call.name : '';
  return typeof call.id === 'string' && call.id !== '' ? call.id : name;
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

/**
 * Replaces blocked `functionResponse` parts in a `generateContent` (or `countTokens`) request:
 * the response becomes `{ error: <note> }` (the shape Google documents for a failed call), so the
 * turn stays valid and the model learns the result was withheld. A result is known by its `id`,
 * or by its name when it has none, as the decoder names it.
 */
export function replaceGeminiToolResults(json: Record<string, unknown>, replacements: ReadonlyMap<string, ToolResultReplacement>): boolean {
  const inner = field(json, 'generateContentRequest', 'generate_content_request');
  const contents = Array.isArray(json.contents) ? json.contents : isRecord(inner) ? inner.contents : undefined;
  if (!Array.isArray(contents)) return false;
  for (const content of contents) {
    if (!isRecord(content) || !Array.isArray(content.parts)) continue;
    for (const part of content.parts) {
      const response = isRecord(part) ? field(part, 'functionResponse', 'function_response') : undefined;
      const replacement = isRecord(response) ? replacements.get(callId(response)) : undefined;
      if (!isRecord(response) || !replacement) continue;
      // Google's documented keys: `error` for a failed call, `output` for its result.
      response.response = replacement.withheld ? { error: replacement.text } : { output: replacement.text };
      // Multimodal results carry their data in `parts` too: none of it may reach the model.
      delete response.parts;
    }
  }
  return true;
}

export { REMOVED_RESULT_TEXT };
