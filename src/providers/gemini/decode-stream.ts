import { isRecord, safeParseJson } from '../shared/json.js';
import { TextBudget } from '../shared/text-budget.js';
import type { ExchangeInfo, StreamEventInfo, StreamReader } from '../types.js';
import { createResponseAssembler } from './decode-response.js';
import { partKind } from './parts.js';

/**
 * Reads a `streamGenerateContent?alt=sse` stream: every `data:` event is a whole
 * `GenerateContentResponse`. There is no terminator (no `[DONE]`): the end of the body is the
 * end of the answer. An event `{"error": {...}}` is an error the upstream reported mid-stream.
 * An event with an action (a `functionCall` part, or a part of a type this proxy does not know, in
 * any candidate) is flagged: the policy holds it.
 */
export function geminiStreamReader(exchange?: Pick<ExchangeInfo, 'maxTextBytes'>): StreamReader {
  const assembler = createResponseAssembler(new TextBudget(exchange?.maxTextBytes));
  return {
    endsAtEof: true,
    read({ data }): StreamEventInfo {
      const parsed = safeParseJson(data);
      if (!parsed.success) return {};
      const error = assembler.add(parsed.value);
      if (error !== undefined) return { error };
      return carriesAction(parsed.value) ? { toolCall: true } : {};
    },
    view: () => assembler.view(),
  };
}

function carriesAction(chunk: unknown): boolean {
  if (!isRecord(chunk) || !Array.isArray(chunk.candidates)) return false;
  return chunk.candidates.some((candidate) => {
    const parts = isRecord(candidate) && isRecord(candidate.content) ? candidate.content.parts : undefined;
    return Array.isArray(parts) && parts.some((part) => {
      const kind = partKind(part).kind;
      return kind === 'call' || kind === 'unknown';
    });
  });
}
