/**
 * Gemini `GenerateContentResponse` -> OpenAI Chat Completions answer, whole or chunk by chunk. A
 * part the router does not know (code execution, inline data) may carry an action or content it
 * cannot express: it is refused (TranslateError), not dropped.
 */
import { isRecord } from '../providers/shared/json.js';
import type { StreamEvent } from '../providers/types.js';
import { ChunkWriter, DONE_EVENT, type UsageCounts, errorEvent, openaiCompletion, openaiToolCall } from './openai-answer.js';
import type { StreamTranslator } from './stream-translator.js';
import { TranslateError, demand } from './translate-error.js';

const BLOCKED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY']);

/** What one response (or stream chunk) holds, in OpenAI's terms. */
interface Read {
  text: string;
  calls: { name: string; args: unknown; id: string | undefined }[];
  finishReason: string | null;
  usage: UsageCounts | null;
  model: string | null;
  id: string | null;
}

function read(json: unknown): Read {
  demand(isRecord(json), 'The gemini answer is not a JSON object.');
  const candidates = Array.isArray(json.candidates) ? json.candidates : [];
  demand(candidates.length <= 1, 'The gemini answer holds several candidates; the router asks for one.');
  const result: Read = { text: '', calls: [], finishReason: null, usage: usageCounts(json.usageMetadata), model: typeof json.modelVersion === 'string' ? json.modelVersion : null, id: typeof json.responseId === 'string' ? json.responseId : null };
  const candidate = candidates[0];
  if (candidate === undefined) {
    // A prompt blocked before any candidate: an empty answer, filtered.
    if (isRecord(json.promptFeedback) && json.promptFeedback.blockReason !== undefined) result.finishReason = 'content_filter';
    return result;
  }
  demand(isRecord(candidate), 'The gemini answer holds a candidate that is not an object.');
  const parts = isRecord(candidate.content) && Array.isArray(candidate.content.parts) ? candidate.content.parts : [];
  for (const part of parts) {
    demand(isRecord(part), 'The gemini answer holds a part that is not an object.');
    if (isRecord(part.functionCall)) {
      const call = part.functionCall;
      demand(typeof call.name === 'string' && call.name !== '', 'The gemini answer holds a function call without a name.');
      result.calls.push({ name: call.name, args: call.args ?? {}, id: typeof call.id === 'string' && call.id !== '' ? call.id : undefined });
    } else if (typeof part.text === 'string') {
      // A thought summary is the model's reasoning, not its answer.
      if (part.thought !== true) result.text += part.text;
    } else {
      const kind = Object.keys(part).find((key) => key !== 'thoughtSignature' && key !== 'thought') ?? 'empty';
      throw new TranslateError(`The gemini answer holds a "${kind.slice(0, 40)}" part, which the router cannot translate.`);
    }
  }
  if (typeof candidate.finishReason === 'string') result.finishReason = finishReason(candidate.finishReason, result.calls.length > 0);
  return result;
}

function finishReason(reason: string, called: boolean): string {
  if (BLOCKED.has(reason)) return 'content_filter';
  if (reason === 'MAX_TOKENS') return 'length';
  return called ? 'tool_calls' : 'stop';
}

/** Gemini counts cached tokens in the prompt as OpenAI does; thoughts apart from the answer, which OpenAI counts in. */
function usageCounts(usage: unknown): UsageCounts | null {
  if (!isRecord(usage)) return null;
  const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
  const reasoning = count(usage.thoughtsTokenCount);
  return { prompt: count(usage.promptTokenCount), completion: count(usage.candidatesTokenCount) + reasoning, cached: count(usage.cachedContentTokenCount), reasoning };
}

/** Gemini's calls may lack ids: OpenAI's need them, so they get positional ones. */
function callId(responseId: string | null, index: number, id: string | undefined): string {
  return id ?? `call_${responseId ?? 'gemini'}_${index}`;
}

export function fromGeminiResponse(json: unknown): Record<string, unknown> {
  const answer = read(json);
  return openaiCompletion({
    id: answer.id ?? 'gemini',
    model: answer.model ?? '',
    text: answer.text,
    toolCalls: answer.calls.map((call, index) => openaiToolCall(callId(answer.id, index, call.id), call.name, call.args)),
    finishReason: answer.finishReason ?? 'stop',
    usage: answer.usage,
  });
}

/**
 * Translates `streamGenerateContent?alt=sse`: each chunk's text becomes a content delta, each
 * function call (Gemini sends one whole) a tool call delta. Gemini has no terminator: the stream
 * ends well only when a chunk said why it finished.
 */
export function geminiStreamTranslator(): StreamTranslator {
  const out = new ChunkWriter('gemini', '');
  let started = false;
  let calls = 0;
  let finish: string | null = null;
  let usage: UsageCounts | null = null;
  let failed = false;

  return {
    event({ data }: StreamEvent): string[] {
      if (failed) return [];
      let json: unknown;
      try {
        json = JSON.parse(data);
      } catch {
        throw new TranslateError('The gemini stream sent a chunk that is not JSON.');
      }
      if (isRecord(json) && json.error !== undefined) {
        failed = true;
        const message = isRecord(json.error) && typeof json.error.message === 'string' ? json.error.message : 'The upstream stream failed.';
        return [errorEvent(message)];
      }
      const chunk = read(json);
      const events: string[] = [];
      if (!started) {
        started = true;
        if (chunk.id) out.id = chunk.id;
        if (chunk.model) out.model = chunk.model;
        events.push(out.delta({ role: 'assistant', content: '' }));
      }
      if (chunk.usage) usage = chunk.usage;
      if (chunk.text !== '') events.push(out.delta({ content: chunk.text }));
      for (const call of chunk.calls) {
        const index = calls++;
        events.push(out.delta({ tool_calls: [{ index, id: callId(chunk.id, index, call.id), type: 'function', function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) } }] }));
      }
      if (chunk.finishReason !== null) {
        finish = calls > 0 && chunk.finishReason === 'stop' ? 'tool_calls' : chunk.finishReason;
        events.push(out.delta({}, finish));
      }
      return events;
    },
    end(): string[] {
      if (failed) return [];
      if (finish === null) throw new TranslateError('The gemini stream ended without saying why it finished.');
      return [...(usage ? [out.usage(usage)] : []), DONE_EVENT];
    },
  };
}
