import { assignIds } from '../anthropic/call-ids.js';
import { isRecord } from '../shared/json.js';
import type { ResponseView, ToolCallView, Usage } from '../types.js';
import { INERT_ANSWER_KINDS, blockKind, blockText } from './blocks.js';

/** A toolUse Bedrock ran itself (a system tool): recorded as a hosted call, not the client's to run. */
const SERVER_TOOL_USE = 'server_tool_use';

/** Whether an answer block is judged as a call: a client `toolUse`, or a block of a kind not known here. */
export function isJudgedBlock(block: unknown): boolean {
  const kind = blockKind(block);
  if (kind === 'toolUse') return !isServerToolUse(block as Record<string, unknown>);
  return kind === undefined || (!INERT_ANSWER_KINDS.has(kind) && kind !== 'toolResult');
}

function isServerToolUse(block: Record<string, unknown>): boolean {
  return isRecord(block.toolUse) && block.toolUse.type === SERVER_TOOL_USE;
}

/** The ids of an answer's judged blocks, by position (undefined for the others); a stream's `contentBlockIndex` is that position. */
export function answerCallIds(content: readonly unknown[]): (string | undefined)[] {
  const calls: { id: unknown; position: string; at: number }[] = [];
  content.forEach((block, at) => {
    if (!isJudgedBlock(block)) return;
    const use = isRecord(block) && isRecord(block.toolUse) ? block.toolUse : undefined;
    calls.push({ id: use?.toolUseId, position: String(at), at });
  });
  const ids = new Array<string | undefined>(content.length).fill(undefined);
  assignIds(calls).forEach((id, i) => (ids[calls[i]!.at] = id));
  return ids;
}

/** A judged block as the policy sees it: a `toolUse` by its name and input, anything else as an unknown shape. */
export function callOf(block: unknown, id: string): ToolCallView {
  const kind = blockKind(block);
  const use = kind === 'toolUse' && isRecord(block) && isRecord(block.toolUse) ? block.toolUse : undefined;
  if (use) return { id, name: typeof use.name === 'string' ? use.name : '', arguments: JSON.stringify(use.input ?? {}) };
  return { id, name: kind ?? 'content_block', arguments: JSON.stringify(block ?? null), unknownShape: true };
}

/** Converse's `usage`: the prompt count leaves cache reads and writes out, as Anthropic's does. */
export function converseUsage(usage: unknown): Usage {
  if (!isRecord(usage)) return { inputTokens: null, outputTokens: null };
  const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null);
  const result: Usage = { inputTokens: count(usage.inputTokens), outputTokens: count(usage.outputTokens), inputIncludesCache: false };
  const read = count(usage.cacheReadInputTokens);
  const write = count(usage.cacheWriteInputTokens);
  if (read !== null) result.cacheReadTokens = read;
  if (write !== null) result.cacheWriteTokens = write;
  return result;
}

/**
 * A Converse answer: `output.message.content` read block by block. An answer without a readable
 * `output.message` (another `output` member) is read as one call of unknown shape: refused.
 */
export function decodeConverseResponse(json: unknown): ResponseView {
  const body = isRecord(json) ? json : {};
  const view: ResponseView = { model: null, text: '', toolCalls: [], usage: converseUsage(body.usage), finishReason: typeof body.stopReason === 'string' ? body.stopReason : null };
  const output = body.output;
  const message = isRecord(output) ? output.message : undefined;
  if (!isRecord(message) || !Array.isArray(message.content)) {
    view.toolCalls.push({ id: '#output', name: 'output', arguments: JSON.stringify(output ?? null), unknownShape: true });
    return view;
  }
  const content = message.content as unknown[];
  const ids = answerCallIds(content);
  const texts: string[] = [];
  const hosted: string[] = [];
  content.forEach((block, at) => {
    const id = ids[at];
    if (id !== undefined) view.toolCalls.push(callOf(block, id));
    else if (blockKind(block) === 'text' || blockKind(block) === 'citationsContent') texts.push(blockText(block as Record<string, unknown>));
    else if (blockKind(block) === 'toolUse' || blockKind(block) === 'toolResult') hosted.push(hostedName(block as Record<string, unknown>));
  });
  view.text = texts.join('');
  if (hosted.length > 0) view.hostedCalls = hosted;
  return view;
}

function hostedName(block: Record<string, unknown>): string {
  const use = block.toolUse;
  return isRecord(use) && typeof use.name === 'string' ? use.name : 'toolResult';
}
