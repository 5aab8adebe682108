import type { BlockedCall } from '../../policy/refusal.js';
import { refusalText } from '../../policy/refusal.js';
import type { ToolResultReplacement } from '../../policy/refusal.js';
import { replaceChatToolResults, refuseChatResponse, refuseChatStream } from '../openai/encode-refusal.js';
import { isRecord, safeParseJson } from '../shared/json.js';
import type { HeldEvent } from '../types.js';
import { OPENAI_CHAT } from './routes.js';
import { createIdSpace } from '../shared/id-space.js';
import { createAnswerIds, toolResultId } from './tool-calls.js';

/**
 * Tool-call refusals in Ollama's formats. The OpenAI-compatible `/v1/chat/completions` speaks
 * OpenAI's Chat Completions: its encoders are OpenAI's. The native `/api/chat` is handled here; no
 * other native operation declares tools.
 */
export function refuseOllamaToolCalls(operation: string, json: unknown, blocked: readonly BlockedCall[]): unknown | undefined {
  if (operation === OPENAI_CHAT) return refuseChatResponse(json, blocked);
  return operation === 'chat' ? refuseNativeChatResponse(json, blocked) : undefined;
}

export function refuseOllamaToolCallsInStream(operation: string, held: readonly HeldEvent[], blocked: readonly BlockedCall[]): string | undefined {
  if (operation === OPENAI_CHAT) return refuseChatStream(held, blocked);
  return operation === 'chat' ? refuseNativeChatStream(held, blocked) : undefined;
}

export function replaceOllamaToolResults(operation: string, json: Record<string, unknown>, replacements: ReadonlyMap<string, ToolResultReplacement>): boolean {
  if (operation === OPENAI_CHAT) return replaceChatToolResults(json, replacements);
  return operation === 'chat' ? replaceNativeToolResults(json, replacements) : false;
}

/**
 * Filters one `message.tool_calls` array: the refused calls (known by the ids `ids` gives, the
 * decoder's ids) are dropped and noted in `found`; the kept ones get consecutive `function.index`es
 * from `nextIndex` where they carry one.
 */
function filterCalls(calls: unknown[], refused: ReadonlySet<string>, ids: (call: unknown) => string, found: Set<string>, nextIndex: number): unknown[] {
  const kept: unknown[] = [];
  for (const call of calls) {
    const id = ids(call);
    if (refused.has(id)) {
      found.add(id);
      continue;
    }
    if (isRecord(call) && isRecord(call.function) && typeof call.function.index === 'number') {
      call.function = { ...call.function, index: nextIndex + kept.length };
    }
    kept.push(call);
  }
  return kept;
}

/**
 * Removes refused calls from a whole `/api/chat` answer (`message.tool_calls`) and says why in
 * `message.content`. With no call left, the answer is a plain message. Undefined when not every
 * refused call is in it: the whole answer is then refused.
 */
export function refuseNativeChatResponse(json: unknown, blocked: readonly BlockedCall[]): unknown {
  if (!isRecord(json) || !isRecord(json.message) || !Array.isArray(json.message.tool_calls)) return undefined;
  const message = json.message;
  const refused = new Set(blocked.map((call) => call.toolCallId));
  const found = new Set<string>();
  const kept = filterCalls(message.tool_calls as unknown[], refused, createAnswerIds(), found, 0);
  if (found.size !== refused.size) return undefined;
  const text = refusalText(blocked);
  message.content = typeof message.content === 'string' && message.content ? `${message.content}\n\n${text}` : text;
  if (kept.length > 0) message.tool_calls = kept;
  else {
    delete message.tool_calls;
    if (json.done_reason === 'tool_calls') json.done_reason = 'stop';
  }
  return json;
}

/**
 * Re-encodes the held part of an `/api/chat` NDJSON stream (from the first line with calls on)
 * without the refused calls: they are dropped from the line that carries them (a line left with
 * nothing is dropped whole), the calls kept are renumbered, and a line with the refusal as
 * `message.content` goes just before the `done: true` line, which stays last. Undefined when not
 * every refused call is in it (the stream then ends with an error instead).
 */
export function refuseNativeChatStream(held: readonly HeldEvent[], blocked: readonly BlockedCall[]): string | undefined {
  const refused = new Set(blocked.map((call) => call.toolCallId));
  const found = new Set<string>();
  const ids = createAnswerIds();
  let out = '';
  let keptCount = 0;
  let template: Record<string, unknown> | undefined;
  let refusalSent = false;
  const refusal = () => {
    refusalSent = true;
    return line(refusalLine(template, refusalText(blocked)));
  };
  for (const event of held) {
    const parsed = safeParseJson(event.data);
    // A line that is no JSON object means nothing to the client (its parser skips it): never echo it.
    if (!parsed.success || !isRecord(parsed.value)) continue;
    const chunk = parsed.value;
    template ??= chunk;
    if ('error' in chunk) {
      out += event.encoded;
      continue;
    }
    const message = isRecord(chunk.message) ? chunk.message : undefined;
    let changed = false;
    if (message && Array.isArray(message.tool_calls)) {
      const kept = filterCalls(message.tool_calls, refused, ids, found, keptCount);
      keptCount += kept.length;
      changed = true;
      if (kept.length > 0) message.tool_calls = kept;
      else {
        delete message.tool_calls;
        if (chunk.done !== true && !message.content && !message.thinking) continue;
      }
    }
    if (chunk.done === true) {
      if (!refusalSent) out += refusal();
      if (keptCount === 0 && chunk.done_reason === 'tool_calls') {
        chunk.done_reason = 'stop';
        changed = true;
      }
    }
    out += changed ? line(chunk) : event.encoded;
  }
  if (found.size !== refused.size) return undefined;
  if (!refusalSent) out += refusal();
  return out;
}

/** A text line shaped like the stream's own (same model; a `created_at` like its lines'). */
function refusalLine(like: Record<string, unknown> | undefined, text: string): Record<string, unknown> {
  return {
    ...(typeof like?.model === 'string' ? { model: like.model } : {}),
    created_at: typeof like?.created_at === 'string' ? like.created_at : new Date().toISOString(),
    message: { role: 'assistant', content: text },
    done: false,
  };
}

function line(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/**
 * Replaces blocked tool results (`role: 'tool'` messages) in an `/api/chat` request, each known
 * by the id the decoder gave it (its `tool_call_id`, else its position: two results of one tool,
 * or results with no name at all, are told apart). False when a replacement finds no result: the
 * request is then refused, never forwarded with the result in it.
 */
export function replaceNativeToolResults(json: Record<string, unknown>, replacements: ReadonlyMap<string, ToolResultReplacement>): boolean {
  if (!Array.isArray(json.messages)) return false;
  const idOf = createIdSpace();
  const placed = new Set<string>();
  for (const [index, message] of json.messages.entries()) {
    if (!isRecord(message) || typeof message.role !== 'string' || message.role.toLowerCase() !== 'tool') continue;
    const id = toolResultId(message, index, idOf);
    const replacement = replacements.get(id);
    if (!replacement) continue;
    message.content = replacement.text;
    // Images a result carries are the tool's output too: none of it may reach the model.
    delete message.images;
    placed.add(id);
  }
  return placed.size === replacements.size;
}
