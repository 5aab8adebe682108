/** OpenAI Chat Completions request -> Gemini `generateContent` request. Pure. */
import { isRecord } from '../providers/shared/json.js';
import { type ContentPiece, assistantCalls, contentPieces, contentText, functionTools, maxTokens, refuseUntranslatable, stopSequences, toolChoice } from './openai-request.js';
import { TranslateError, demand } from './translate-error.js';

type Part = Record<string, unknown>;
interface Content {
  role: 'user' | 'model';
  parts: Part[];
}

export function toGeminiRequest(json: Record<string, unknown>): Record<string, unknown> {
  refuseUntranslatable(json, 'gemini');
  const system: string[] = [];
  const contents: Content[] = [];
  /** Gemini answers a call by the function's name: the names of the calls made so far, by id. */
  const callNames = new Map<string, string>();
  const push = (role: Content['role'], parts: Part[]) => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
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
        push('user', contentPieces(message.content, where).map((piece) => userPart(piece, where)));
        break;
      case 'assistant': {
        const text = contentPieces(message.content, where).map((piece) => {
          demand(piece.kind === 'text', `${where}: an assistant message may hold only text through the router.`);
          return { text: piece.text };
        });
        const calls = assistantCalls(message, where).map((call) => {
          callNames.set(call.id, call.name);
          return { functionCall: { name: call.name, args: call.args } };
        });
        push('model', [...text.filter((part) => part.text !== ''), ...calls]);
        break;
      }
      case 'tool': {
        const name = typeof message.tool_call_id === 'string' ? callNames.get(message.tool_call_id) : undefined;
        demand(name !== undefined, `${where}.tool_call_id names no tool call of an earlier assistant message; Gemini matches results to calls by them.`);
        push('user', [{ functionResponse: { name, response: { content: contentText(message.content, where) } } }]);
        break;
      }
      default:
        throw new TranslateError(`${where} has the role "${String(message.role).slice(0, 20)}", which the router cannot translate.`);
    }
  }
  const body: Record<string, unknown> = { contents };
  if (system.length > 0) body.systemInstruction = { parts: [{ text: system.join('\n\n') }] };
  const tools = functionTools(json.tools);
  if (tools.length > 0) {
    body.tools = [{ functionDeclarations: tools.map((tool) => ({ name: tool.name, ...(tool.description ? { description: tool.description } : {}), parametersJsonSchema: tool.parameters })) }];
  }
  const choice = toolChoice(json.tool_choice);
  if (choice) {
    const mode = choice.mode === 'auto' ? 'AUTO' : choice.mode === 'none' ? 'NONE' : 'ANY';
    body.toolConfig = { functionCallingConfig: { mode, ...(choice.mode === 'function' ? { allowedFunctionNames: [choice.name] } : {}) } };
  }
  const config = generationConfig(json);
  if (Object.keys(config).length > 0) body.generationConfig = config;
  return body;
}

function userPart(piece: ContentPiece, where: string): Part {
  if (piece.kind === 'text') return { text: piece.text };
  if (piece.kind === 'image') return { inlineData: { mimeType: piece.mediaType, data: piece.data } };
  throw new TranslateError(`${where}: Gemini takes images inline only; send the image as a base64 data URL.`);
}

function generationConfig(json: Record<string, unknown>): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const max = maxTokens(json);
  if (max !== undefined) config.maxOutputTokens = max;
  if (typeof json.temperature === 'number') config.temperature = json.temperature;
  if (typeof json.top_p === 'number') config.topP = json.top_p;
  if (typeof json.seed === 'number') config.seed = json.seed;
  const stop = stopSequences(json.stop);
  if (stop) config.stopSequences = stop;
  const format = json.response_format;
  if (isRecord(format) && format.type === 'json_object') config.responseMimeType = 'application/json';
  if (isRecord(format) && format.type === 'json_schema' && isRecord(format.json_schema)) {
    config.responseMimeType = 'application/json';
    if (isRecord(format.json_schema.schema)) config.responseJsonSchema = format.json_schema.schema;
  }
  return config;
}
