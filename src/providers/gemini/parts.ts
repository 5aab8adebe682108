import { isRecord } from '../shared/json.js';
import type { Usage } from '../types.js';

/**
 * A field under its JSON name or its proto name: Google's REST API accepts both `systemInstruction`
 * and `system_instruction` (its own curl examples use the second), so a policy must read both.
 */
export function field(object: Record<string, unknown>, camel: string, snake: string): unknown {
  return object[camel] ?? object[snake];
}

/** Provider-hosted tool parts: code the API ran, or a server-side tool it called, and their outputs. */
const HOSTED_PARTS: Record<string, string> = {
  executableCode: 'codeExecution',
  executable_code: 'codeExecution',
  codeExecutionResult: 'codeExecution',
  code_execution_result: 'codeExecution',
  toolCall: 'toolCall',
  tool_call: 'toolCall',
  toolResponse: 'toolCall',
  tool_response: 'toolCall',
};

/**
 * Every other field a `Part` may carry (genai.d.ts, interface Part, both spellings): content and
 * metadata, none of it an action. A field outside these lists is a part type this proxy does not know.
 */
const PLAIN_FIELDS = new Set([
  'text', 'thought', 'thoughtSignature', 'thought_signature', 'inlineData', 'inline_data', 'fileData', 'file_data',
  'videoMetadata', 'video_metadata', 'mediaResolution', 'media_resolution', 'partMetadata', 'part_metadata',
  'audioTranscription', 'audio_transcription', 'speechMetadata', 'speech_metadata', 'mediaProcessing', 'media_processing',
  'functionResponse', 'function_response',
]);

/**
 * What one `Part` is: a `functionCall` (the client runs it), a provider-hosted tool's call or output
 * (the API ran it: `tool` names it), content (text, media, a tool result), or a type this proxy does
 * not know (`type` names its field): that may be a new kind of action, so it is never let through unjudged.
 */
export type PartKind =
  | { kind: 'call'; call: Record<string, unknown> }
  | { kind: 'hosted'; tool: string; field: string; value: unknown }
  | { kind: 'content' }
  | { kind: 'unknown'; type: string; value: unknown };

export function partKind(part: unknown): PartKind {
  if (!isRecord(part)) return { kind: 'content' };
  // Both spellings at once: a client may read either, so no one of them can be judged for it.
  if (part.functionCall != null && part.function_call != null) return { kind: 'unknown', type: 'functionCall', value: [part.functionCall, part.function_call] };
  const call = field(part, 'functionCall', 'function_call');
  if (isRecord(call)) return { kind: 'call', call };
  for (const [key, value] of Object.entries(part)) {
    if (value === undefined || value === null) continue;
    // A `functionCall` that is no object is still something an SDK hands over as a call.
    if (key === 'functionCall' || key === 'function_call') return { kind: 'unknown', type: key, value };
    const tool = HOSTED_PARTS[key];
    if (tool !== undefined) return { kind: 'hosted', tool, field: key, value };
    if (!PLAIN_FIELDS.has(key)) return { kind: 'unknown', type: key, value };
  }
  return { kind: 'content' };
}

/** The text parts of a `Content`; thought summaries (`thought: true`) are not the answer and are left out. */
export function partsText(parts: unknown): string[] {
  if (!Array.isArray(parts)) return [];
  return parts.filter((part) => isRecord(part) && typeof part.text === 'string' && part.thought !== true).map((part) => (part as { text: string }).text);
}

/** A call's arguments as the policies read them; Vertex's streamed `partialArgs` are values too. */
export function callArguments(call: Record<string, unknown>): string {
  const partial = field(call, 'partialArgs', 'partial_args');
  const args = call.args ?? {};
  return JSON.stringify(partial === undefined ? args : { args, partialArgs: partial });
}

/**
 * `usageMetadata`: input is `promptTokenCount` (cache reads included, `cachedContentTokenCount`);
 * output is `candidatesTokenCount` plus `thoughtsTokenCount` (thinking is billed as output, as
 * OpenAI's `completion_tokens` counts reasoning). Proto3 JSON leaves zero counts out, so a
 * missing count in a present object is 0.
 */
export function readGeminiUsage(usage: unknown): Usage | undefined {
  if (!isRecord(usage)) return undefined;
  const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
  const thoughts = count(usage.thoughtsTokenCount);
  const cached = count(usage.cachedContentTokenCount);
  return {
    inputTokens: count(usage.promptTokenCount),
    outputTokens: count(usage.candidatesTokenCount) + thoughts,
    ...(cached > 0 ? { cacheReadTokens: cached } : {}),
    ...(thoughts > 0 ? { reasoningTokens: thoughts } : {}),
  };
}
