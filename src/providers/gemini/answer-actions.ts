import { isRecord } from '../shared/json.js';
import type { ToolCallView } from '../types.js';
import { candidateNumber } from './call-ids.js';
import { callArguments, field, partKind } from './parts.js';

/** An action in a candidate's parts: a `functionCall`, or a part of a type this proxy does not know. */
export interface AnswerAction {
  /** Its position in `content.parts`. */
  part: number;
  call: ToolCallView;
}

/**
 * The actions of one candidate of one answer chunk, in order, each with its id from `ids` (the
 * answer's id space: the decoder and the refusal encoders call this in the same order, so the
 * same action gets the same id). An unknown part is named by its field and marked `unknownShape`.
 */
export function candidateActions(candidate: Record<string, unknown>, position: number, ids: (candidate: number, own: unknown) => string): AnswerAction[] {
  const content = candidate.content;
  if (!isRecord(content) || !Array.isArray(content.parts)) return [];
  const number = candidateNumber(candidate, position);
  const actions: AnswerAction[] = [];
  for (const [index, part] of content.parts.entries()) {
    const kind = partKind(part);
    if (kind.kind === 'call') {
      const name = typeof kind.call.name === 'string' ? kind.call.name : '';
      actions.push({ part: index, call: { id: ids(number, kind.call.id), name, arguments: callArguments(kind.call) } });
    } else if (kind.kind === 'unknown') {
      actions.push({ part: index, call: { id: ids(number, undefined), name: kind.type, arguments: JSON.stringify(kind.value) ?? '', unknownShape: true } });
    }
  }
  return actions;
}

/**
 * The provider-hosted tools a candidate shows it used: grounding (Google Search, retrieval, file
 * search, Maps: `groundingMetadata`), URL context (`urlContextMetadata`), code execution
 * (`executableCode` / `codeExecutionResult` parts) and server-side tool calls (`toolCall` parts).
 * Each read content from outside the conversation into this answer.
 */
export function hostedUses(candidate: Record<string, unknown>): string[] {
  const uses: string[] = [];
  if (isRecord(field(candidate, 'groundingMetadata', 'grounding_metadata'))) uses.push('grounding');
  if (isRecord(field(candidate, 'urlContextMetadata', 'url_context_metadata'))) uses.push('urlContext');
  const content = candidate.content;
  if (isRecord(content) && Array.isArray(content.parts)) {
    for (const part of content.parts) {
      const kind = partKind(part);
      if (kind.kind === 'hosted') uses.push(hostedToolName(kind.tool, kind.value));
    }
  }
  return uses;
}

/** A server-side `toolCall` / `toolResponse` says which tool in `toolType` (`GOOGLE_SEARCH_WEB`, `URL_CONTEXT`...). */
function hostedToolName(tool: string, value: unknown): string {
  if (tool !== 'toolCall' || !isRecord(value)) return tool;
  const type = field(value, 'toolType', 'tool_type');
  return typeof type === 'string' && type !== '' ? type : tool;
}
