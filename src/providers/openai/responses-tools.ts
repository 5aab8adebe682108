import { isRecord } from '../shared/json.js';
import type { ToolDefinitionView } from '../types.js';

/** The tools a Responses API request declares: what the client runs, and what OpenAI runs for it. */
export interface ResponsesTools {
  /** Tools the client executes (their calls come back in the answer for the client to run). */
  tools: ToolDefinitionView[];
  /** Hosted tools that read outside content (their results never pass through the proxy as input). */
  hostedTools: string[];
}

/**
 * Built-in tools the client executes, under the name their calls are judged by (see
 * responses-output-items.ts): the call items carry no tool name of their own.
 */
const CLIENT_BUILT_INS: Record<string, string> = {
  local_shell: 'local_shell',
  apply_patch: 'apply_patch',
  computer: 'computer',
  computer_use_preview: 'computer',
};

/**
 * Built-in tools OpenAI runs that read outside content: a web page, an uploaded file, a remote MCP
 * server, code output. Image generation and a server-side tool search read none (they work on the
 * prompt and on the request's own tool list), and programmatic tool calling only reaches other
 * declared tools, so those are neither.
 */
const HOSTED = new Set(['file_search', 'code_interpreter', 'mcp']);
const NEITHER = new Set(['image_generation', 'programmatic_tool_calling']);

/**
 * Reads a Responses API `tools` list. Function and custom tools are named (inside a `namespace`
 * tool, `<namespace>.<name>`, as their calls are); client-executed built-ins get the name their
 * calls are judged by; the shell tool is the client's unless it runs in an OpenAI container. A
 * tool type this proxy does not know is counted as hosted: it may read outside content, so the
 * answer's links are checked and its calls refused unless known (fail closed).
 */
export function decodeResponsesTools(list: readonly unknown[], into: ResponsesTools = { tools: [], hostedTools: [] }): ResponsesTools {
  for (const tool of list) {
    if (!isRecord(tool) || typeof tool.type !== 'string') continue;
    const { type } = tool;
    if (type === 'function' || type === 'custom') {
      if (typeof tool.name === 'string') into.tools.push(definition(tool, tool.name));
    } else if (type === 'namespace') {
      if (typeof tool.name !== 'string' || !Array.isArray(tool.tools)) continue;
      for (const inner of tool.tools) {
        if (isRecord(inner) && typeof inner.name === 'string') into.tools.push(definition(inner, namespaced(tool.name, inner.name)));
      }
    } else if (type === 'shell') {
      if (runsInContainer(tool.environment)) into.hostedTools.push('shell');
      else into.tools.push({ name: 'shell' });
    } else if (type === 'tool_search') {
      if (tool.execution === 'client') into.tools.push(definition(tool, 'tool_search'));
    } else if (CLIENT_BUILT_INS[type] !== undefined) into.tools.push({ name: CLIENT_BUILT_INS[type] });
    else if (type.startsWith('web_search') || HOSTED.has(type)) into.hostedTools.push(hostedName(tool, type));
    else if (!NEITHER.has(type)) into.hostedTools.push(type);
  }
  return into;
}

/** A function or custom tool inside a namespace is called as `<namespace>.<name>`. */
export function namespaced(namespace: unknown, name: string): string {
  return typeof namespace === 'string' && namespace.length > 0 ? `${namespace}.${name}` : name;
}

/** A shell tool or call whose environment is an OpenAI container runs there, not on the client. */
export function runsInContainer(environment: unknown): boolean {
  return isRecord(environment) && (environment.type === 'container_auto' || environment.type === 'container_reference');
}

function definition(tool: Record<string, unknown>, name: string): ToolDefinitionView {
  const view: ToolDefinitionView = { name };
  if (tool.parameters !== undefined && tool.parameters !== null) view.parameters = tool.parameters;
  if (typeof tool.description === 'string') view.description = tool.description;
  return view;
}

function hostedName(tool: Record<string, unknown>, type: string): string {
  if (type === 'mcp') return typeof tool.server_label === 'string' ? `mcp:${tool.server_label}` : 'mcp';
  return type.startsWith('web_search') ? 'web_search' : type;
}
