import { assignIds } from '../anthropic/call-ids.js';
import { isRecord } from '../shared/json.js';
import type { DecodeResult, MessageView, RequestView, ToolCallView, ToolDefinitionView, UntrustedContentView } from '../types.js';
import { blockKind, blockText, outsideText } from './blocks.js';

/** Request blocks that carry nothing to judge: media the model looks at, reasoning, cache points, tool changes. */
const INERT_REQUEST_KINDS = new Set(['image', 'video', 'audio', 'reasoningContent', 'cachePoint', 'toolAddition', 'toolRemoval']);

/** Blocks that are the turn's own words. */
const TEXT_KINDS = new Set(['text', 'guardContent']);

/**
 * Decodes a Converse (or ConverseStream) request: `system` is the message at index 0 when present,
 * the conversation follows. `toolUse` blocks are the history's calls; `toolResult` blocks are tool
 * results (untrusted by default, as every result); documents, search results, citations and blocks
 * of kinds not known here are outside content. The model is the path's (URL-decoded) model id.
 */
export function decodeConverseRequest(json: unknown, model: string, stream: boolean): DecodeResult {
  if (!isRecord(json)) return { success: false, message: 'The request body must be a JSON object.' };
  const { messages, system, toolConfig } = json;
  if (messages !== undefined && !Array.isArray(messages)) return { success: false, message: 'messages: expected a list', param: 'messages' };
  if (system !== undefined && !Array.isArray(system)) return { success: false, message: 'system: expected a list of system content blocks', param: 'system' };
  if (toolConfig !== undefined && (!isRecord(toolConfig) || (toolConfig.tools !== undefined && !Array.isArray(toolConfig.tools)))) {
    return { success: false, message: 'toolConfig.tools: expected a list', param: 'toolConfig' };
  }
  const turns = (messages ?? []) as unknown[];
  for (const [position, message] of turns.entries()) {
    if (!isRecord(message) || (message.role !== 'user' && message.role !== 'assistant')) {
      return { success: false, message: `messages.${position}.role: expected 'user' or 'assistant'`, param: `messages.${position}.role` };
    }
    if (!Array.isArray(message.content)) return { success: false, message: `messages.${position}.content: expected a list of content blocks`, param: `messages.${position}.content` };
  }

  const offset = system === undefined ? 0 : 1;
  const views: MessageView[] = offset ? [{ index: 0, role: 'system', text: textOf(system as unknown[]), toolCalls: [], toolResults: [] }] : [];
  const untrusted: UntrustedContentView[] = [];
  if (offset) collectOutside(system as unknown[], 0, untrusted);
  for (const [position, message] of (turns as Record<string, unknown>[]).entries()) {
    const content = message.content as unknown[];
    views.push({ index: position + offset, role: message.role as 'user' | 'assistant', text: textOf(content), toolCalls: [], toolResults: [] });
    collectOutside(content, position + offset, untrusted);
  }
  const names = decodeCalls(turns as Record<string, unknown>[], views, offset);
  decodeResults(turns as Record<string, unknown>[], views, offset, names, untrusted);

  const view: RequestView = { model, stream, messages: views, tools: decodeTools(toolConfig) };
  const hosted = hostedTools(toolConfig);
  if (hosted.length > 0) view.hostedTools = hosted;
  if (untrusted.length > 0) view.untrusted = untrusted;
  return { success: true, json, view };
}

function textOf(content: readonly unknown[]): string {
  return content.filter((block) => TEXT_KINDS.has(blockKind(block) ?? '')).map((block) => blockText(block as Record<string, unknown>)).join('\n');
}

/** Every block that is neither the turn's words, a call, a result nor inert: outside content. */
function collectOutside(content: readonly unknown[], messageIndex: number, untrusted: UntrustedContentView[]): void {
  for (const block of content) {
    const kind = blockKind(block) ?? 'content_block';
    if (TEXT_KINDS.has(kind) || INERT_REQUEST_KINDS.has(kind) || kind === 'toolUse' || kind === 'toolResult') continue;
    untrusted.push({ source: kind, messageIndex, text: outsideText(block) });
  }
}

/** The history's `toolUse` blocks, with the ids the policy knows them by; returns tool names by call id. */
function decodeCalls(turns: readonly Record<string, unknown>[], views: MessageView[], offset: number): Map<string, string> {
  const found: { use: Record<string, unknown>; messagePosition: number; position: string; id: unknown }[] = [];
  for (const [messagePosition, message] of turns.entries()) {
    for (const [blockPosition, block] of (message.content as unknown[]).entries()) {
      if (blockKind(block) !== 'toolUse' || !isRecord((block as Record<string, unknown>).toolUse)) continue;
      const use = (block as Record<string, Record<string, unknown>>).toolUse!;
      found.push({ use, messagePosition, position: `${messagePosition}.${blockPosition}`, id: use.toolUseId });
    }
  }
  const names = new Map<string, string>();
  assignIds(found).forEach((id, i) => {
    const { use, messagePosition } = found[i]!;
    const call: ToolCallView = { id, name: typeof use.name === 'string' ? use.name : '', arguments: JSON.stringify(use.input ?? {}) };
    views[messagePosition + offset]!.toolCalls.push(call);
    if (typeof use.toolUseId === 'string') names.set(use.toolUseId, call.name);
  });
  return names;
}

/** `toolResult` blocks: results by the call id they answer; documents inside them are outside content too. */
function decodeResults(turns: readonly Record<string, unknown>[], views: MessageView[], offset: number, names: ReadonlyMap<string, string>, untrusted: UntrustedContentView[]): void {
  for (const { result, messagePosition, id } of locateToolResults(turns)) {
    const view = views[messagePosition + offset]!;
    const content = Array.isArray(result.content) ? result.content : [];
    const entry: MessageView['toolResults'][number] = { toolCallId: id, text: content.map(outsideText).join('\n') };
    const name = names.get(id);
    if (name) entry.name = name;
    view.toolResults.push(entry);
    for (const inner of content) {
      const kind = blockKind(inner);
      if (kind !== 'text' && kind !== 'json' && kind !== 'image') untrusted.push({ source: kind ?? 'content_block', messageIndex: view.index, text: outsideText(inner) });
    }
  }
}

/** A `toolResult` block of a request, where it is, and the id it is known by. */
export interface LocatedResult {
  result: Record<string, unknown>;
  messagePosition: number;
  id: string;
}

/** Every `toolResult` of a request's messages with its id: its `toolUseId`, or `#<message>.<block>`. */
export function locateToolResults(turns: readonly unknown[]): LocatedResult[] {
  const found: { result: Record<string, unknown>; messagePosition: number; position: string; id: unknown }[] = [];
  for (const [messagePosition, message] of turns.entries()) {
    if (!isRecord(message) || !Array.isArray(message.content)) continue;
    for (const [blockPosition, block] of message.content.entries()) {
      if (blockKind(block) !== 'toolResult') continue;
      const result = (block as Record<string, unknown>).toolResult;
      if (isRecord(result)) found.push({ result, messagePosition, position: `${messagePosition}.${blockPosition}`, id: result.toolUseId });
    }
  }
  const ids = assignIds(found);
  return found.map(({ result, messagePosition }, i) => ({ result, messagePosition, id: ids[i]! }));
}

/** `toolConfig.tools[].toolSpec`: the client's own tools. */
function decodeTools(toolConfig: unknown): ToolDefinitionView[] {
  if (!isRecord(toolConfig) || !Array.isArray(toolConfig.tools)) return [];
  const tools: ToolDefinitionView[] = [];
  for (const tool of toolConfig.tools) {
    const spec = isRecord(tool) ? tool.toolSpec : undefined;
    if (!isRecord(spec) || typeof spec.name !== 'string') continue;
    const view: ToolDefinitionView = { name: spec.name };
    if (typeof spec.description === 'string') view.description = spec.description;
    if (isRecord(spec.inputSchema) && spec.inputSchema.json !== undefined) view.parameters = spec.inputSchema.json;
    tools.push(view);
  }
  return tools;
}

/** Tools Bedrock runs itself (`systemTool`, and any kind not known here): their output is outside content. */
function hostedTools(toolConfig: unknown): string[] {
  if (!isRecord(toolConfig) || !Array.isArray(toolConfig.tools)) return [];
  const hosted: string[] = [];
  for (const tool of toolConfig.tools) {
    const kind = blockKind(tool);
    if (kind === 'toolSpec' || kind === 'cachePoint') continue;
    const system = isRecord(tool) && isRecord(tool.systemTool) ? tool.systemTool : undefined;
    hosted.push(system && typeof system.name === 'string' ? system.name : (kind ?? 'tool'));
  }
  return hosted;
}
