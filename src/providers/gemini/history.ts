import { isRecord } from '../shared/json.js';
import type { ToolCallView, ToolResultView } from '../types.js';
import { historyCallId, resultId } from './call-ids.js';
import { callArguments, field, partKind, partsText } from './parts.js';

/** What one `Content` of a request says, as the policies read it. */
export interface ContentView {
  text: string[];
  toolCalls: ToolCallView[];
  toolResults: ToolResultView[];
  /** Outside content that is no result of a declared tool: hosted tools' code, outputs and grounding. */
  untrusted: { source: string; text: string }[];
}

/** The id spaces of one request: calls and results are counted apart (a result shares its call's id). */
export interface RequestIds {
  call: (own: unknown, positional: string) => string;
  result: (own: unknown, positional: string) => string;
}

/**
 * Reads `contents[position]`: text, `functionCall`s and `functionResponse`s (under either
 * spelling; results without a usable `id` are known by their position, see call-ids.ts), and the
 * traces of provider-hosted tools the client sent back: `executableCode` / `codeExecutionResult`
 * and server-side `toolCall` / `toolResponse` parts, and a model turn's grounding metadata.
 */
export function readContent(content: Record<string, unknown>, position: number, ids: RequestIds): ContentView {
  const view: ContentView = { text: partsText(content.parts), toolCalls: [], toolResults: [], untrusted: [] };
  for (const key of ['groundingMetadata', 'grounding_metadata', 'urlContextMetadata', 'url_context_metadata']) {
    if (content[key] !== undefined && content[key] !== null) view.untrusted.push({ source: key, text: JSON.stringify(content[key]) });
  }
  if (!Array.isArray(content.parts)) return view;
  for (const [index, part] of content.parts.entries()) {
    if (!isRecord(part)) continue;
    const kind = partKind(part);
    if (kind.kind === 'call') view.toolCalls.push(historyCall(kind.call, ids.call(kind.call.id, historyCallId(position, index))));
    else if (kind.kind === 'hosted' || kind.kind === 'unknown') {
      // Whatever a hosted tool ran or read, or a part this proxy cannot read, came from outside.
      const value = kind.value;
      view.untrusted.push({ source: kind.kind === 'hosted' ? kind.field : kind.type, text: typeof value === 'string' ? value : JSON.stringify(value) ?? '' });
    }
    const response = field(part, 'functionResponse', 'function_response');
    if (isRecord(response)) view.toolResults.push(toolResult(response, ids.result(response.id, resultId(position, index))));
    // Both spellings at once: the one judged is `functionResponse`; the other is outside content too.
    if (part.functionResponse != null && part.function_response != null) view.untrusted.push({ source: 'function_response', text: JSON.stringify(part.function_response) ?? '' });
  }
  return view;
}

function historyCall(call: Record<string, unknown>, id: string): ToolCallView {
  return { id, name: typeof call.name === 'string' ? call.name : '', arguments: callArguments(call) };
}

function toolResult(response: Record<string, unknown>, id: string): ToolResultView {
  const name = typeof response.name === 'string' ? response.name : '';
  const result: ToolResultView = { toolCallId: id, text: JSON.stringify(response.response ?? {}) };
  if (name !== '') result.name = name;
  return result;
}

/**
 * The hosted tools a request enables: every `tools[]` entry that is not `functionDeclarations`
 * (the client's own functions) or `computerUse` (whose actions are client-run function calls):
 * `googleSearch`, `googleSearchRetrieval`, `urlContext`, `codeExecution`, `retrieval`,
 * `fileSearch`, `googleMaps`, `mcpServers`, and any kind added later, all of which bring outside
 * content into the answer.
 */
export function hostedTools(tools: readonly unknown[]): string[] {
  const client = new Set(['functionDeclarations', 'function_declarations', 'computerUse', 'computer_use']);
  const hosted = new Set<string>();
  for (const tool of tools) {
    if (!isRecord(tool)) continue;
    for (const [key, value] of Object.entries(tool)) if (value !== undefined && value !== null && !client.has(key)) hosted.add(key);
  }
  return [...hosted];
}
