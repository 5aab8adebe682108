import type { TextBudget } from '../shared/text-budget.js';
import { isRecord } from '../shared/json.js';
import type { ResponseView } from '../types.js';
import { candidateActions, hostedUses } from './answer-actions.js';
import { createAnswerIds } from './call-ids.js';
import { partsText, readGeminiUsage } from './parts.js';

export function emptyResponseView(): ResponseView {
  return { model: null, text: '', toolCalls: [], usage: { inputTokens: null, outputTokens: null }, finishReason: null };
}

/**
 * Builds the answer from `GenerateContentResponse` objects: one for a JSON answer, one per event
 * for a stream. Text parts are joined as they come, function calls (which Gemini sends whole) and
 * parts of unknown types are appended with their ids (see call-ids.ts), provider-hosted tools'
 * traces are collected in `hostedCalls`, and the last `usageMetadata`, `modelVersion` and
 * `finishReason` win. A JSON answer and the same answer streamed give the same view.
 */
export function createResponseAssembler(budget?: TextBudget) {
  const view = emptyResponseView();
  const text: string[] = [];
  const ids = createAnswerIds();
  const hosted = new Set<string>();
  return {
    /** Adds one response object; returns the error it carries, if it is an error. */
    add(chunk: unknown): string | undefined {
      if (!isRecord(chunk)) return undefined;
      if (isRecord(chunk.error)) {
        const { message, status } = chunk.error;
        return typeof message === 'string' ? message : typeof status === 'string' ? status : 'upstream stream error';
      }
      if (typeof chunk.modelVersion === 'string') view.model = chunk.modelVersion;
      view.usage = readGeminiUsage(chunk.usageMetadata) ?? view.usage;
      const first = firstCandidate(chunk.candidates);
      if (!first) return undefined;
      if (typeof first.finishReason === 'string') view.finishReason = first.finishReason;
      for (const [position, candidate] of (chunk.candidates as unknown[]).entries()) {
        if (!isRecord(candidate)) continue;
        for (const tool of hostedUses(candidate)) hosted.add(tool);
        if (!isRecord(candidate.content)) continue;
        // The text is the first candidate's (what an SDK's `.text` reads); the calls are every
        // candidate's (`candidateCount` > 1), so a call in another candidate is judged too.
        if (candidate === first) for (const piece of partsText(candidate.content.parts)) text.push(budget ? budget.take(piece) : piece);
        view.toolCalls.push(...candidateActions(candidate, position, ids).map((action) => action.call));
      }
      return undefined;
    },
    view(): ResponseView {
      view.text = text.join('');
      if (hosted.size > 0) view.hostedCalls = [...hosted];
      return view;
    },
  };
}

/** The candidate with `index` 0 (or the first one): the one an SDK's `.text` reads. */
function firstCandidate(candidates: unknown): Record<string, unknown> | undefined {
  if (!Array.isArray(candidates)) return undefined;
  const records = candidates.filter(isRecord);
  return records.find((candidate) => (candidate.index ?? 0) === 0) ?? records[0];
}

/**
 * The answer in a JSON body: a `GenerateContentResponse`, or the JSON array
 * `streamGenerateContent` sends when the client did not ask for `alt=sse`.
 */
export function decodeGenerateResponse(json: unknown): ResponseView {
  const assembler = createResponseAssembler();
  for (const chunk of Array.isArray(json) ? json : [json]) assembler.add(chunk);
  return assembler.view();
}

/** `batchEmbedContents` / `embedContent` report usage only in newer API versions; read it when there. */
export function decodeUsageOnly(json: unknown): ResponseView {
  const view = emptyResponseView();
  if (isRecord(json)) view.usage = readGeminiUsage(json.usageMetadata) ?? view.usage;
  return view;
}
