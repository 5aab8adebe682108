/** OpenAI Chat Completions request -> Anthropic Messages request. Pure. */
import { isRecord } from '../providers/shared/json.js';
import { type ContentPiece, assistantCalls, contentPieces, contentText, functionTools, maxTokens, refuseUntranslatable, stopSequences, toolChoice } from './openai-request.js';
import { TranslateError, demand } from './translate-error.js';

/** Anthropic requires `max_tokens`; this is used when the client set none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

type Block = Record<string, unknown>;
interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

export function toAnthropicRequest(json: Record<string, unknown>, model: string): Record<string, unknown> {
  refuseUntranslatable(json, 'anthropic');
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  const push = (role: AnthropicMessage['role'], content: Block[]) => {
    if (content.length === 0) return;
    const last = messages.at(-1);
    // Anthropic alternates roles: consecutive turns of one role (tool results) become one.
    if (last?.role === role) last.content.push(...content);
    else messages.push({ role, content });
  };
  for (const [index, message] of (json.messages as unknown[]).entries()) {
    const where = `messages[${index}]`;
    demand(isRecord(message), `${where} must be an object.`);
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(contentText(message.content, where));
        break;
      case 'user':
        push('user', contentPieces(message.content, where).map(userBlock));
        break;
      case 'assistant': {
        const text = contentPieces(message.content, where).map((piece) => {
          demand(piece.kind === 'text', `${where}: an assistant message may hold only text through the router.`);
          return { type: 'text', text: piece.text };
        });
        const calls = assistantCalls(message, where).map((call) => ({ type: 'tool_use', id: call.id, name: call.name, input: call.args }));
        push('assistant', [...text.filter((block) => block.text !== ''), ...calls]);
        break;
      }
      case 'tool':
        demand(typeof message.tool_call_id === 'string', `${where}.tool_call_id must be a string.`);
        push('user', [{ type: 'tool_result', tool_use_id: message.tool_call_id, content: contentText(message.content, where) }]);
        break;
      default:
        throw new TranslateError(`${where} has the role "${String(message.role).slice(0, 20)}", which the router cannot translate.`);
    }
  }
  const body: Record<string, unknown> = { model, max_tokens: maxTokens(json) ?? ANTHROPIC_DEFAULT_MAX_TOKENS, messages };
  if (system.length > 0) body.system = system.join('\n\n');
  if (json.stream === true) body.stream = true;
  // OpenAI's scale runs to 2, Anthropic's to 1: above it, the most Anthropic allows.
  if (typeof json.temperature === 'number') body.temperature = Math.min(json.temperature, 1);
  if (typeof json.top_p === 'number') body.top_p = json.top_p;
  const stop = stopSequences(json.stop);
  if (stop) body.stop_sequences = stop;
  if (typeof json.user === 'string') body.metadata = { user_id: json.user };
  const tools = functionTools(json.tools);
  if (tools.length > 0) body.tools = tools.map((tool) => ({ name: tool.name, ...(tool.description ? { description: tool.description } : {}), input_schema: tool.parameters }));
  const choice = anthropicToolChoice(json);
  if (choice) body.tool_choice = choice;
  return body;
}

function userBlock(piece: ContentPiece): Block {
  if (piece.kind === 'text') return { type: 'text', text: piece.text };
  if (piece.kind === 'image') return { type: 'image', source: { type: 'base64', media_type: piece.mediaType, data: piece.data } };
  return { type: 'image', source: { type: 'url', url: piece.url } };
}

function anthropicToolChoice(json: Record<string, unknown>): Block | undefined {
  const choice = toolChoice(json.tool_choice);
  const serial = json.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  if (!choice) return json.parallel_tool_calls === false ? { type: 'auto', ...serial } : undefined;
  if (choice.mode === 'none') return { type: 'none' };
  if (choice.mode === 'auto') return { type: 'auto', ...serial };
  if (choice.mode === 'required') return { type: 'any', ...serial };
  return { type: 'tool', name: choice.name, ...serial };
}
