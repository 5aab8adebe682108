import { isRecord, safeParseJson } from '../shared/json.js';
import { TextBudget } from '../shared/text-budget.js';
import type { ExchangeInfo, StreamEventInfo, StreamReader } from '../types.js';
import { StreamCalls } from './chat-stream-calls.js';
import { citesTheWeb, emptyResponseView } from './decode-response.js';
import { readOpenAIUsage } from './usage.js';

/**
 * Reads a Chat Completions (or legacy Completions) stream: the first choice's text deltas are
 * joined; tool calls (function, custom, legacy `function_call`) are assembled per choice as the
 * openai SDK assembles them (see `StreamCalls`), in every choice (`n` > 1), so a call in a second
 * choice is held and judged too. A call delta the SDK would not place in its answer is unreadable:
 * the stream is refused, not one piece of it sent.
 */
export function chatStreamReader(exchange: ExchangeInfo): StreamReader {
  const view = emptyResponseView();
  const calls = new StreamCalls();
  const textParts: string[] = [];
  const budget = new TextBudget(exchange.maxTextBytes);

  return {
    endsAtEof: false,
    read({ data }): StreamEventInfo {
      if (data === '[DONE]') return { terminal: true };
      const parsed = safeParseJson(data);
      if (!parsed.success || !isRecord(parsed.value)) return {};
      const chunk = parsed.value;
      // The SDK raises any truthy `error` of a chunk.
      if (chunk.error) return { error: isRecord(chunk.error) && typeof chunk.error.message === 'string' ? chunk.error.message : 'upstream stream error' };
      if (typeof chunk.model === 'string') view.model = chunk.model;
      const info: StreamEventInfo = {};
      const usage = readOpenAIUsage(chunk.usage);
      if (usage) {
        view.usage = usage;
        // The usage-only chunk (`choices: []`) exists because the proxy asked for it: hide it.
        if (exchange.injectedUsage && Array.isArray(chunk.choices) && chunk.choices.length === 0) info.dropFromClient = true;
      }
      const added = calls.add(chunk);
      if (added.unreadable) return { toolCall: true, unreadable: `The answer was refused: the upstream streamed ${added.unreadable}, which the security proxy cannot judge.` };
      if (added.toolCall) info.toolCall = true;
      const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
      for (const [position, choice] of choices.entries()) {
        if (!isRecord(choice)) continue;
        const delta = isRecord(choice.delta) ? choice.delta : undefined;
        if (delta && citesTheWeb(delta.annotations)) view.hostedCalls = ['web_search'];
        if ((typeof choice.index === 'number' ? choice.index : position) !== 0) continue;
        if (typeof choice.finish_reason === 'string') view.finishReason = choice.finish_reason;
        // A legacy Completions chunk carries `text` where a chat chunk carries `delta`.
        if (typeof choice.text === 'string') textParts.push(budget.take(choice.text));
        if (delta && typeof delta.content === 'string') textParts.push(budget.take(delta.content));
      }
      return info;
    },
    view() {
      view.text = textParts.join('');
      view.toolCalls = calls.calls().map((call) => call.view);
      return view;
    },
  };
}
