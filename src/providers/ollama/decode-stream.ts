import { emptyResponseView } from '../openai/decode-response.js';
import { chatStreamReader } from '../openai/decode-stream.js';
import { isRecord, safeParseJson } from '../shared/json.js';
import { TextBudget } from '../shared/text-budget.js';
import type { ExchangeInfo, StreamEventInfo, StreamReader, ToolCallView } from '../types.js';
import { readOllamaUsage } from './decode-response.js';
import { OPENAI_CHAT } from './routes.js';
import { createAnswerIds, errorMessage, readToolCalls } from './tool-calls.js';

/** A reader for one streamed answer: NDJSON for the native API, OpenAI's SSE for `/v1/`. */
export function ollamaStreamReader(exchange: ExchangeInfo): StreamReader {
  return exchange.operation === OPENAI_CHAT ? chatStreamReader(exchange) : ndjsonStreamReader(exchange.operation, exchange.maxTextBytes);
}

/**
 * Reads a native NDJSON stream (`/api/chat`, `/api/generate`): one JSON object a line. Text comes
 * in `message.content` (chat) or `response` (generate) and is joined; a line with
 * `message.tool_calls` carries whole calls (Ollama never splits one across lines, and the ollama
 * client hands each line's calls over as they are: every entry is a call, a repeated one too, in
 * any line, the `done: true` line included); the last line has `done: true`, the token counts and
 * `done_reason`. `{"error": "..."}` is a reported error.
 */
export function ndjsonStreamReader(operation: string, maxTextBytes?: number): StreamReader {
  const view = emptyResponseView();
  const textParts: string[] = [];
  const budget = new TextBudget(maxTextBytes);
  const calls: ToolCallView[] = [];
  const ids = createAnswerIds();

  return {
    endsAtEof: false,
    read({ data }): StreamEventInfo {
      const parsed = safeParseJson(data);
      if (!parsed.success || !isRecord(parsed.value)) return {};
      const line = parsed.value;
      if ('error' in line) return { error: errorMessage(line.error) };
      if (typeof line.model === 'string') view.model = line.model;
      const info: StreamEventInfo = {};
      if (operation === 'generate') {
        if (typeof line.response === 'string') textParts.push(budget.take(line.response));
      } else if (isRecord(line.message)) {
        if (typeof line.message.content === 'string') textParts.push(budget.take(line.message.content));
        // A line with calls is held (with all after it) until the policies decided them.
        if (Array.isArray(line.message.tool_calls) && line.message.tool_calls.length > 0) info.toolCall = true;
        calls.push(...readToolCalls(line.message.tool_calls, ids));
      }
      if (line.done !== true) return info;
      view.usage = readOllamaUsage(line);
      if (typeof line.done_reason === 'string') view.finishReason = line.done_reason;
      return { ...info, terminal: true };
    },
    view() {
      view.text = textParts.join('');
      view.toolCalls = [...calls];
      return view;
    },
  };
}
