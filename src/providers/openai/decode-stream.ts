import { isRecord, safeParseJson } from '../shared/json.js';
import type { ExchangeInfo, StreamEventInfo, StreamReader, ToolCallView } from '../types.js';
import { emptyResponseView } from './decode-response.js';
import { readOpenAIUsage } from './usage.js';

/**
 * Reads a Chat Completions (or legacy Completions) stream: the first choice's text deltas are
 * joined; tool calls are assembled per choice by `index` (the first delta of a call carries its id
 * and name, the following ones pieces of its arguments), in every choice (`n` > 1), so a call in a
 * second choice is held and judged too.
 */
export function chatStreamReader(exchange: ExchangeInfo): StreamReader {
  const view = emptyResponseView();
  /** By choice index, then call index. */
  const calls = new Map<number, Map<number, ToolCallView>>();
  const textParts: string[] = [];

  return {
    endsAtEof: false,
    read({ data }): StreamEventInfo {
      if (data === '[DONE]') return { terminal: true };
      const parsed = safeParseJson(data);
      if (!parsed.success || !isRecord(parsed.value)) return {};
      const chunk = parsed.value;
      if (isRecord(chunk.error)) return { error: typeof chunk.error.message === 'string' ? chunk.error.message : 'upstream stream error' };
      if (typeof chunk.model === 'string') view.model = chunk.model;
      const info: StreamEventInfo = {};
      const usage = readOpenAIUsage(chunk.usage);
      if (usage) {
        view.usage = usage;
        // The usage-only chunk (`choices: []`) exists because the proxy asked for it: hide it.
        if (exchange.injectedUsage && Array.isArray(chunk.choices) && chunk.choices.length === 0) info.dropFromClient = true;
      }
      const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
      for (const [position, choice] of choices.entries()) {
        if (!isRecord(choice)) continue;
        const index = typeof choice.index === 'number' ? choice.index : position;
        const delta = choice.delta;
        if (isRecord(delta) && Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) {
          info.toolCall = true;
          let own = calls.get(index);
          if (!own) calls.set(index, (own = new Map()));
          for (const part of delta.tool_calls) addToolCallDelta(own, part);
        }
        if (index !== 0) continue;
        if (typeof choice.finish_reason === 'string') view.finishReason = choice.finish_reason;
        // A legacy Completions chunk carries `text` where a chat chunk carries `delta`.
        if (typeof choice.text === 'string') textParts.push(choice.text);
        if (isRecord(delta) && typeof delta.content === 'string') textParts.push(delta.content);
      }
      return info;
    },
    view() {
      view.text = textParts.join('');
      view.toolCalls = [...calls.entries()].sort(([a], [b]) => a - b).flatMap(([, own]) => [...own.entries()].sort(([a], [b]) => a - b).map(([, call]) => call));
      return view;
    },
  };
}

function addToolCallDelta(calls: Map<number, ToolCallView>, part: unknown): void {
  if (!isRecord(part)) return;
  const index = typeof part.index === 'number' ? part.index : calls.size;
  let call = calls.get(index);
  if (!call) {
    call = { id: '', name: '', arguments: '' };
    calls.set(index, call);
  }
  if (typeof part.id === 'string') call.id = part.id;
  const fn = part.function;
  if (isRecord(fn)) {
    if (typeof fn.name === 'string') call.name += fn.name;
    if (typeof fn.arguments === 'string') call.arguments += fn.arguments;
  }
}
