import { isRecord } from '../shared/json.js';
import { namespaced, runsInContainer } from './responses-tools.js';

/** A tool call item the client executes, as read from one item (its view id is decided later). */
export interface CallItem {
  /** The item's own call id (`call_id`; an MCP approval request's `id`), if it has a usable one. */
  ownId: string | null;
  /** The item's type: a delta event only adds to a call of its own type. */
  type: string;
  name: string;
  arguments: string;
  unknownShape?: true;
}

/** One output item as the view sees it: message text, a call the client runs, a hosted call, or nothing to judge. */
export type OutputPiece =
  | { kind: 'text'; text: string }
  | { kind: 'call'; call: CallItem }
  /** A call OpenAI ran that read outside content; `text` is what it read, as far as the item says. */
  | { kind: 'hosted'; tool: string; text: string }
  | null;

/**
 * Items that neither carry text nor ask the client to act nor read outside content: the model's
 * reasoning, an (encrypted) compaction, a generated image, tool definitions, an MCP approval the
 * client gave, the server's tool search over the request's own tools.
 */
const INERT = new Set(['reasoning', 'compaction', 'image_generation_call', 'additional_tools', 'mcp_approval_response', 'tool_search_output']);

/**
 * Tool output items. In an answer they hold output the proxy never saw go in (a hosted shell's
 * output, a program's result): hosted calls. In a request they are tool results.
 */
export const TOOL_OUTPUT_TYPES = new Set([
  'function_call_output', 'custom_tool_call_output', 'computer_call_output', 'local_shell_call_output',
  'shell_call_output', 'apply_patch_call_output', 'program_output',
]);

/**
 * Reads one output item (the `output` of a response, an `output_item` event, or a call or hosted
 * item of a request's history, which has the same shape):
 * - `message`: its `output_text` parts;
 * - calls the client executes, named for the policy: `function_call` and `custom_tool_call` by
 *   their name (`<namespace>.<name>` in a namespace), `computer_call` as `computer`,
 *   `local_shell_call` as `local_shell`, `shell_call` as `shell` (unless it runs in an OpenAI
 *   container), `apply_patch_call` as `apply_patch`, `mcp_approval_request` as
 *   `mcp:<server_label>:<name>`, a client-executed `tool_search_call` as `tool_search`; the
 *   arguments are the model's `arguments`/`input`, or the item's action as JSON text;
 * - hosted calls that read outside content: web and file search, code interpreter, MCP calls and
 *   tool lists, a container shell, a program and the tool output items;
 * - any other type is an unknown call shape, named by its type, the whole item as its arguments.
 */
export function readOutputItem(item: unknown): OutputPiece {
  if (!isRecord(item)) return null;
  const type = typeof item.type === 'string' ? item.type : '';
  switch (type) {
    case 'message':
      return { kind: 'text', text: messageText(item.content) };
    case 'function_call':
      return call(item, namespaced(item.namespace, str(item.name)), str(item.arguments));
    case 'custom_tool_call':
      return call(item, namespaced(item.namespace, str(item.name)), str(item.input));
    case 'computer_call':
      return call(item, 'computer', json({ action: item.action, actions: item.actions }));
    case 'local_shell_call':
      return call(item, 'local_shell', json(item.action));
    case 'shell_call':
      if (runsInContainer(item.environment)) return hosted('shell', json(item.action));
      return call(item, 'shell', json(item.action));
    case 'apply_patch_call':
      return call(item, 'apply_patch', json(item.operation));
    case 'mcp_approval_request':
      return call(item, mcpName(item), str(item.arguments), ownId(item.id));
    case 'tool_search_call':
      if (item.execution === 'server') return null;
      return call(item, 'tool_search', typeof item.arguments === 'string' ? item.arguments : json(item.arguments));
    case 'web_search_call':
      return hosted('web_search', json(item.action));
    case 'file_search_call':
      return hosted('file_search', json({ queries: item.queries, results: item.results }));
    case 'code_interpreter_call':
      return hosted('code_interpreter', json({ code: item.code, outputs: item.outputs }));
    case 'mcp_call':
      return hosted(mcpName(item), [str(item.output), str(item.error)].filter(Boolean).join('\n'));
    case 'mcp_list_tools':
      return hosted(typeof item.server_label === 'string' ? `mcp:${item.server_label}` : 'mcp', json(item.tools));
    case 'program':
      // Run by OpenAI: the hosted tools it may call leave no item of their own.
      return hosted('program', str(item.code));
    default:
      if (INERT.has(type)) return null;
      if (TOOL_OUTPUT_TYPES.has(type)) return hosted(type, json(item));
      return { kind: 'call', call: { ownId: ownId(item.call_id) ?? ownId(item.id), type, name: type || 'unknown', arguments: json(withoutStatus(item)), unknownShape: true } };
  }
}

/** An item without its `status`, which changes between its `added` and `done` events. */
function withoutStatus(item: Record<string, unknown>): Record<string, unknown> {
  const { status: _status, ...rest } = item;
  return rest;
}

/** An MCP tool is judged as `mcp:<server_label>:<name>`. */
function mcpName(item: Record<string, unknown>): string {
  return `mcp:${str(item.server_label)}:${str(item.name)}`;
}

function call(item: Record<string, unknown>, name: string, args: string, id = ownId(item.call_id)): OutputPiece {
  return { kind: 'call', call: { ownId: id, type: str(item.type), name, arguments: args } };
}

function hosted(tool: string, text: string): OutputPiece {
  return { kind: 'hosted', tool, text };
}

/** A usable own id: a non-empty string that cannot be taken for a positional id (`#...`). */
export function ownId(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 && !value.startsWith('#') ? value : null;
}

/** The id a call at `position` goes by when its own id is missing, odd or shared: `#<position>`. */
export function positionalId(position: number): string {
  return `#${position}`;
}

/**
 * The view ids of the calls at some positions: each one's own id when it is usable and no other
 * position uses it; otherwise its positional id. Both decoders and both refusal encoders of this
 * format use it, so a refused call is found again whatever it lacks.
 */
export function assignCallIds(calls: ReadonlyMap<number, readonly (string | null)[]>): Map<number, string> {
  const owners = new Map<string, Set<number>>();
  for (const [position, ids] of calls) {
    for (const id of ids) if (id !== null) owners.set(id, (owners.get(id) ?? new Set()).add(position));
  }
  const assigned = new Map<number, string>();
  for (const [position, ids] of calls) {
    const own = ids[0] ?? null;
    const usable = own !== null && ids.every((id) => id === own) && owners.get(own)?.size === 1;
    assigned.set(position, usable ? own : positionalId(position));
  }
  return assigned;
}

/** The text of a message's `output_text` parts. */
function messageText(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content.map((part) => (isRecord(part) && part.type === 'output_text' && typeof part.text === 'string' ? part.text : '')).join('');
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** JSON text of a value (an item's action); '' for none. */
function json(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(value);
}
