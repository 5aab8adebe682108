/** Reading an OpenAI Chat Completions request, for the router's translations. Pure functions. */
import { isRecord } from '../providers/shared/json.js';
import { TranslateError, demand } from './translate-error.js';

/** One piece of a message's content the translators know. */
export type ContentPiece =
  | { kind: 'text'; text: string }
  /** An image: inline (a `data:` URL: its media type and base64) or by URL. */
  | { kind: 'image'; mediaType: string; data: string }
  | { kind: 'image_url'; url: string };

/** The function tool calls of an assistant message, arguments parsed. */
export interface CallPiece {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

/** A message's content as pieces: a string, null, or an array of text and image parts. */
export function contentPieces(content: unknown, where: string): ContentPiece[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ kind: 'text', text: content }];
  demand(Array.isArray(content), `${where}.content must be a string or an array of parts.`);
  return content.map((part, index) => contentPiece(part, `${where}.content[${index}]`));
}

function contentPiece(part: unknown, where: string): ContentPiece {
  demand(isRecord(part), `${where} must be an object.`);
  if (part.type === 'text') {
    demand(typeof part.text === 'string', `${where}.text must be a string.`);
    return { kind: 'text', text: part.text };
  }
  // An assistant's own refusal, sent back as history, is text as far as another model is concerned.
  if (part.type === 'refusal' && typeof part.refusal === 'string') return { kind: 'text', text: part.refusal };
  if (part.type === 'image_url') {
    const url = isRecord(part.image_url) ? part.image_url.url : undefined;
    demand(typeof url === 'string', `${where}.image_url.url must be a string.`);
    const inline = /^data:([\w.+-]+\/[\w.+-]+);base64,([A-Za-z0-9+/=\s]*)$/.exec(url);
    if (inline) return { kind: 'image', mediaType: inline[1]!, data: inline[2]!.replace(/\s+/g, '') };
    demand(/^https?:\/\//i.test(url), `${where}.image_url.url must be an http(s) URL or a base64 data URL.`);
    return { kind: 'image_url', url };
  }
  throw new TranslateError(`${where} is a "${String(part.type).slice(0, 40)}" part, which the router cannot translate for this provider.`);
}

/** The text of content that may only hold text (system prompts, tool results). */
export function contentText(content: unknown, where: string): string {
  return contentPieces(content, where)
    .map((piece) => {
      demand(piece.kind === 'text', `${where} may hold only text through the router.`);
      return piece.text;
    })
    .join('\n');
}

/** An assistant message's function calls; arguments must be a JSON object (the target needs it parsed). */
export function assistantCalls(message: Record<string, unknown>, where: string): CallPiece[] {
  demand(message.function_call === undefined || message.function_call === null, `${where}.function_call (the legacy form) cannot go through the router; use tool_calls.`);
  const calls = message.tool_calls;
  if (calls === undefined || calls === null) return [];
  demand(Array.isArray(calls), `${where}.tool_calls must be an array.`);
  return calls.map((call, index) => {
    const at = `${where}.tool_calls[${index}]`;
    demand(isRecord(call) && call.type === 'function' && isRecord(call.function), `${at} must be a function call.`);
    const { name, arguments: text } = call.function;
    demand(typeof call.id === 'string' && call.id !== '', `${at}.id must be a non-empty string.`);
    demand(typeof name === 'string' && name !== '', `${at}.function.name must be a non-empty string.`);
    let args: unknown;
    try {
      args = JSON.parse(typeof text === 'string' && text.trim() !== '' ? text : '{}');
    } catch {
      throw new TranslateError(`${at}.function.arguments is not valid JSON.`);
    }
    demand(isRecord(args), `${at}.function.arguments must be a JSON object.`);
    return { id: call.id, name, args };
  });
}

/** A function tool definition. */
export interface ToolPiece {
  name: string;
  description?: string;
  parameters: Record<string, unknown>;
}

/** The request's function tools (other tool types have no equivalent elsewhere). */
export function functionTools(tools: unknown): ToolPiece[] {
  if (tools === undefined || tools === null) return [];
  demand(Array.isArray(tools), 'tools must be an array.');
  return tools.map((tool, index) => {
    demand(isRecord(tool) && tool.type === 'function' && isRecord(tool.function), `tools[${index}] must be a function tool: the router translates only those.`);
    const { name, description, parameters } = tool.function;
    demand(typeof name === 'string' && name !== '', `tools[${index}].function.name must be a non-empty string.`);
    const piece: ToolPiece = { name, parameters: isRecord(parameters) ? parameters : { type: 'object', properties: {} } };
    if (typeof description === 'string') piece.description = description;
    return piece;
  });
}

/** How the model may use tools: OpenAI's `tool_choice`, normalised. */
export type ToolChoice = { mode: 'auto' } | { mode: 'none' } | { mode: 'required' } | { mode: 'function'; name: string };

export function toolChoice(value: unknown): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'auto' || value === 'none' || value === 'required') return { mode: value } as ToolChoice;
  if (isRecord(value) && value.type === 'function' && isRecord(value.function) && typeof value.function.name === 'string') return { mode: 'function', name: value.function.name };
  throw new TranslateError('tool_choice must be "auto", "none", "required" or a function: the router translates only those.');
}

/** The most tokens the answer may have (`max_completion_tokens`, or the older `max_tokens`). */
export function maxTokens(json: Record<string, unknown>): number | undefined {
  const value = json.max_completion_tokens ?? json.max_tokens;
  if (value === undefined || value === null) return undefined;
  demand(typeof value === 'number' && Number.isInteger(value) && value > 0, 'max_completion_tokens must be a positive integer.');
  return value;
}

/** Stop sequences as a list. */
export function stopSequences(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return [value];
  demand(Array.isArray(value) && value.every((item) => typeof item === 'string'), 'stop must be a string or an array of strings.');
  return value as string[];
}

/**
 * Fields with no counterpart in the other formats that change what the answer is: refused rather
 * than silently dropped. Fields that do not (`user`, `store`, `metadata`, ...) are left out.
 */
export function refuseUntranslatable(json: Record<string, unknown>, provider: string): void {
  demand(json.n === undefined || json.n === null || json.n === 1, `n other than 1 cannot go to ${provider} through the router.`);
  demand(!json.logprobs, `logprobs cannot go to ${provider} through the router.`);
  demand(json.functions === undefined || json.functions === null, 'functions (the legacy form) cannot go through the router; use tools.');
  demand(json.audio === undefined || json.audio === null, `audio output cannot go to ${provider} through the router.`);
  demand(json.web_search_options === undefined || json.web_search_options === null, `web_search_options cannot go to ${provider} through the router.`);
}
