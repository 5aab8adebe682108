import { isRecord } from '../shared/json.js';
import type { ResponseView, ToolCallView, Usage } from '../types.js';
import { answerBlockKind, hostedCallsOf } from './blocks.js';
import { answerCallIds } from './call-ids.js';
import { contentText, toolCallOf, unknownCallOf } from './content.js';

export function emptyResponseView(): ResponseView {
  return { model: null, text: '', toolCalls: [], usage: { inputTokens: null, outputTokens: null }, finishReason: null };
}

/**
 * Anthropic's `usage`: `input_tokens` as reported (prompt-cache reads and writes are counted apart,
 * in `cache_read_input_tokens` and `cache_creation_input_tokens`, and not added in: the prompt
 * is their sum), and `output_tokens` (thinking included). `cache_creation` splits the writes by
 * how long they are kept; the hour-long ones cost more.
 */
export function readAnthropicUsage(usage: unknown): Usage | undefined {
  if (!isRecord(usage)) return undefined;
  const read: Usage = { inputTokens: count(usage.input_tokens), outputTokens: count(usage.output_tokens) };
  // Zero counts are left out: an answer that touched no cache reads as before.
  const cacheRead = count(usage.cache_read_input_tokens) ?? 0;
  const cacheWrite = count(usage.cache_creation_input_tokens) ?? 0;
  const cacheWrite1h = isRecord(usage.cache_creation) ? (count(usage.cache_creation.ephemeral_1h_input_tokens) ?? 0) : 0;
  if (cacheRead > 0) read.cacheReadTokens = cacheRead;
  if (cacheWrite > 0) read.cacheWriteTokens = cacheWrite;
  if (cacheWrite1h > 0) read.cacheWrite1hTokens = cacheWrite1h;
  if (cacheRead > 0 || cacheWrite > 0) read.inputIncludesCache = false;
  return read;
}

function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

/**
 * The answer in a Messages JSON response. The text is the `text` blocks joined as they are (a
 * cited answer comes as many consecutive blocks of one text). The calls are the `tool_use` blocks
 * (the ones the client runs) and blocks of types the proxy does not know (`unknownShape`), with
 * the ids the refusal encoder knows them by (./call-ids.ts). Server and MCP tool calls already ran
 * at Anthropic: they are `hostedCalls`, and the client's calls next to them are judged as tainted.
 */
export function decodeMessageResponse(json: unknown): ResponseView {
  const view = emptyResponseView();
  if (!isRecord(json)) return view;
  if (typeof json.model === 'string') view.model = json.model;
  view.usage = readAnthropicUsage(json.usage) ?? view.usage;
  if (typeof json.stop_reason === 'string') view.finishReason = json.stop_reason;
  if (!Array.isArray(json.content)) return view;
  const content: unknown[] = json.content;
  view.text = contentText(content.filter((block) => isRecord(block) && block.type === 'text'), '');
  view.toolCalls = answerCalls(content);
  const hosted = hostedCallsOf(content);
  if (hosted.length > 0) view.hostedCalls = hosted;
  return view;
}

/** The judged calls of an answer's content blocks (in a stream: its blocks by index). */
export function answerCalls(content: readonly unknown[]): ToolCallView[] {
  const ids = answerCallIds(content);
  const calls: ToolCallView[] = [];
  content.forEach((block, at) => {
    const id = ids[at];
    if (id === undefined) return;
    calls.push(answerBlockKind(block) === 'client_call' ? toolCallOf(block as Record<string, unknown>, id) : unknownCallOf(block, id));
  });
  return calls;
}
