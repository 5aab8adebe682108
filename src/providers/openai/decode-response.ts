import { isRecord } from '../shared/json.js';
import type { ResponseView } from '../types.js';
import { createCallIds, type MessageCall, readMessageCalls } from './chat-tool-calls.js';
import { contentText } from './decode-request.js';
import { readOpenAIUsage } from './usage.js';

export function emptyResponseView(): ResponseView {
  return { model: null, text: '', toolCalls: [], usage: { inputTokens: null, outputTokens: null }, finishReason: null };
}

/**
 * The answer in a Chat Completions JSON response: the first choice's text, and the tool calls of
 * every choice (a request with `n` > 1 gets several), in every shape, so none goes out unjudged.
 */
export function decodeChatResponse(json: unknown): ResponseView {
  const view = emptyResponseView();
  if (!isRecord(json)) return view;
  if (typeof json.model === 'string') view.model = json.model;
  view.usage = readOpenAIUsage(json.usage) ?? view.usage;
  const choices = Array.isArray(json.choices) ? json.choices.filter(isRecord) : [];
  const first = choices[0];
  if (!first) return view;
  if (typeof first.finish_reason === 'string') view.finishReason = first.finish_reason;
  // A legacy Completions choice carries `text` where a chat choice carries `message`.
  if (typeof first.text === 'string') view.text = first.text;
  if (isRecord(first.message)) view.text = contentText(first.message.content);
  view.toolCalls = answerCalls(json.choices as unknown[]).map((call) => call.view);
  // A search model's answer cites the pages it read (`url_citation` annotations): outside content.
  if (choices.some((choice) => isRecord(choice.message) && citesTheWeb(choice.message.annotations))) view.hostedCalls = ['web_search'];
  return view;
}

/** An answer's calls, choice by choice: their ids are `#<choice position>.<slot>` when they lack a usable own one. */
export function answerCalls(choices: readonly unknown[]): (MessageCall & { choice: number })[] {
  const ids = createCallIds();
  return choices.flatMap((choice, position) => {
    if (!isRecord(choice) || !isRecord(choice.message)) return [];
    return readMessageCalls(choice.message, `#${position}`, ids).map((call) => ({ ...call, choice: position }));
  });
}

/** Whether `annotations` (of a message or a stream delta) hold a web citation. */
export function citesTheWeb(annotations: unknown): boolean {
  return Array.isArray(annotations) && annotations.some((annotation) => isRecord(annotation) && annotation.type === 'url_citation');
}

/** An Embeddings response: only the model and the input tokens (`usage.prompt_tokens`). */
export function decodeEmbeddingsResponse(json: unknown): ResponseView {
  const view = emptyResponseView();
  if (!isRecord(json)) return view;
  if (typeof json.model === 'string') view.model = json.model;
  const usage = readOpenAIUsage(json.usage);
  if (usage) view.usage = { inputTokens: usage.inputTokens, outputTokens: null };
  return view;
}
