import { safeParseJson } from '../shared/json.js';
import type { StreamEventInfo, StreamReader } from '../types.js';
import { createResponseAssembler } from './decode-response.js';

/**
 * Reads a `streamGenerateContent?alt=sse` stream: every `data:` event is a whole
 * `GenerateContentResponse`. There is no terminator (no `[DONE]`): the end of the body is the
 * end of the answer. An event `{"error": {...}}` is an error the upstream reported mid-stream.
 */
export function geminiStreamReader(): StreamReader {
  const assembler = createResponseAssembler();
  return {
    endsAtEof: true,
    read({ data }): StreamEventInfo {
      const parsed = safeParseJson(data);
      if (!parsed.success) return {};
      const error = assembler.add(parsed.value);
      return error === undefined ? {} : { error };
    },
    view: () => assembler.view(),
  };
}
