import { isRecord } from '../shared/json.js';
import type { MessageView, ToolResultView, UntrustedContentView } from '../types.js';
import { contentText } from './decode-request.js';
import { assignCallIds, ownId, positionalId, readOutputItem } from './responses-output-items.js';
import { decodeResponsesTools, type ResponsesTools, runsInContainer } from './responses-tools.js';

/** Roles an input message may have; `developer` is the Responses API's name for system. */
const ROLES = new Set(['system', 'developer', 'user', 'assistant']);

/**
 * Input items that carry the output of a tool the client ran, and the name a result goes by when
 * no call in the input names it. A result whose call ran in an OpenAI container is outside content
 * instead (see decodeInputItems).
 */
const RESULT_TYPES: Record<string, string | undefined> = {
  function_call_output: undefined,
  custom_tool_call_output: undefined,
  computer_call_output: 'computer',
  local_shell_call_output: 'local_shell',
  shell_call_output: 'shell',
  apply_patch_call_output: 'apply_patch',
  tool_search_output: 'tool_search',
};

export function isResultItem(item: Record<string, unknown>): boolean {
  return typeof item.type === 'string' && item.type in RESULT_TYPES && !(item.type === 'tool_search_output' && item.execution === 'server');
}

/**
 * The id a tool result at `position` of `input` goes by: its `call_id` (a local shell output's
 * `id`, which names the call) when that is a usable id, else `#<position>`. The request decoder
 * and replaceResponsesToolResults both use it, so a result without a usable call id is still found.
 */
export function resultId(item: Record<string, unknown>, position: number): string {
  return ownId(item.call_id) ?? (item.type === 'local_shell_call_output' ? ownId(item.id) : null) ?? positionalId(position);
}

/** What a request's input adds to the view. */
export interface InputView {
  messages: MessageView[];
  untrusted: UntrustedContentView[];
  tools: ResponsesTools;
}

export type InputError = { success: false; message: string; param: string };

/**
 * Decodes input items into `into`, in order:
 * - messages (their `input_file` parts are documents from outside: untrusted content);
 * - calls of the conversation so far (every client-executed call item, see readOutputItem), under
 *   their own call id, or `#<position>` when it is missing, odd or shared;
 * - tool results (`function_call_output` and the other `*_output` items of client tools), named by
 *   the call they answer when the input has it;
 * - outside content that is no declared tool's result: hosted calls' outputs (web and file search,
 *   code interpreter, MCP calls and tool lists, a container shell's output, a program's result),
 *   items the proxy cannot see into (`item_reference`, `compaction`) and items of a type it does
 *   not know;
 * - tool definitions an item adds (`additional_tools`, a tool search's output) join the tools.
 * Reasoning, image generation, MCP approvals and the model's programs carry none of these.
 */
export function decodeInputItems(input: readonly unknown[], into: InputView): InputError | null {
  const calls = readCalls(input);
  const push = (message: Omit<MessageView, 'index'>) => into.messages.push({ ...message, index: into.messages.length });
  const outside = (source: string, text: string) => into.untrusted.push({ source, messageIndex: into.messages.length, text });
  for (const [position, item] of input.entries()) {
    const param = `input[${position}]`;
    if (!isRecord(item)) return { success: false, message: `Invalid type for '${param}': expected an input item object.`, param };
    // An item reference may leave out its type: `{ id }`.
    const type = item.type ?? (item.role === undefined && typeof item.id === 'string' ? 'item_reference' : 'message');
    if (type === 'message') {
      if (typeof item.role !== 'string' || !ROLES.has(item.role)) {
        return { success: false, message: `Invalid value for '${param}.role': expected one of 'user', 'assistant', 'system' or 'developer'.`, param: `${param}.role` };
      }
      for (const file of fileParts(item.content)) outside('input_file', file);
      push({ role: item.role === 'developer' ? 'system' : (item.role as MessageView['role']), text: partsText(item.content), toolCalls: [], toolResults: [] });
      continue;
    }
    if (type === 'additional_tools' || type === 'tool_search_output') decodeResponsesTools(Array.isArray(item.tools) ? item.tools : [], into.tools);
    if (isResultItem(item)) {
      const id = resultId(item, position);
      if (item.type === 'shell_call_output' && calls.hosted.has(id)) outside('shell_call_output', resultText(item));
      else push({ role: 'tool', text: '', toolCalls: [], toolResults: [result(item, id, calls.names.get(id))] });
      continue;
    }
    if (type === 'item_reference' || type === 'compaction') outside(String(type), '');
    else if (type === 'program_output') outside('program_output', str(item.result));
    else if (type === 'program' || type === 'shell_call') {
      // The model's own program, or a command for a container: their outputs are separate items.
      const call = calls.ids.get(position);
      if (call) push({ role: 'assistant', text: '', toolCalls: [call], toolResults: [] });
    } else {
      const piece = readOutputItem(item);
      const call = calls.ids.get(position);
      if (call) push({ role: 'assistant', text: '', toolCalls: [call], toolResults: [] });
      else if (piece?.kind === 'hosted') outside(String(type), piece.text);
      else if (piece?.kind === 'call') outside(String(type), JSON.stringify(item));
    }
  }
  return null;
}

/**
 * The client calls of the input with their view ids, the tool name each call id stands for (none
 * when two calls share it under different names), and the ids of calls that ran in a container.
 */
function readCalls(input: readonly unknown[]) {
  const pieces = new Map<number, { ownId: string | null; name: string; arguments: string }>();
  const hosted = new Set<string>();
  for (const [position, item] of input.entries()) {
    if (isRecord(item) && item.type === 'shell_call' && runsInContainer(item.environment)) {
      const id = ownId(item.call_id);
      if (id) hosted.add(id);
      continue;
    }
    const piece = readOutputItem(item);
    if (piece?.kind === 'call' && !piece.call.unknownShape) pieces.set(position, piece.call);
  }
  const assigned = assignCallIds(new Map([...pieces].map(([position, call]) => [position, [call.ownId]])));
  const ids = new Map([...pieces].map(([position, call]) => [position, { id: assigned.get(position)!, name: call.name, arguments: call.arguments }]));
  const names = new Map<string, string | undefined>();
  for (const call of pieces.values()) {
    if (call.ownId === null) continue;
    names.set(call.ownId, names.has(call.ownId) && names.get(call.ownId) !== call.name ? undefined : call.name);
  }
  return { ids, names, hosted };
}

function result(item: Record<string, unknown>, id: string, callName: string | undefined): ToolResultView {
  const name = callName ?? RESULT_TYPES[item.type as string];
  return { toolCallId: id, ...(name !== undefined ? { name } : {}), text: resultText(item) };
}

/** A result's text: its output as text (a shell's stdout and stderr; a screenshot's or a tool list's JSON). */
function resultText(item: Record<string, unknown>): string {
  if (item.type === 'tool_search_output') return JSON.stringify(item.tools ?? null);
  if (item.type === 'computer_call_output') return JSON.stringify(item.output ?? null);
  if (item.type === 'shell_call_output' && Array.isArray(item.output)) {
    return item.output.flatMap((chunk) => (isRecord(chunk) ? [str(chunk.stdout), str(chunk.stderr)] : [])).filter(Boolean).join('\n');
  }
  return partsText(item.output);
}

/**
 * Text of a content value: a string, or the text of its parts (`input_text`, `output_text`, and
 * `refusal`, whose text is in `refusal`).
 */
export function partsText(content: unknown): string {
  if (!Array.isArray(content)) return contentText(content);
  return content
    .map((part) => (isRecord(part) ? (typeof part.text === 'string' ? part.text : typeof part.refusal === 'string' ? part.refusal : '') : ''))
    .filter((part) => part.length > 0)
    .join('\n');
}

/** The files a message's content attaches, by what names them (URL, file name, file id). */
function fileParts(content: unknown): string[] {
  if (!Array.isArray(content)) return [];
  return content.flatMap((part) => (isRecord(part) && part.type === 'input_file' ? [str(part.file_url) || str(part.filename) || str(part.file_id)] : []));
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
