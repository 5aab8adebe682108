import type { TextCall, TextRequest } from '../types.js';

/** A native `/api/chat` request for one answer; a JSON schema becomes Ollama's `format`. */
export function encodeOllamaTextRequest(request: TextRequest): TextCall {
  const body: Record<string, unknown> = {
    model: request.model,
    stream: false,
    messages: [
      { role: 'system', content: request.system },
      { role: 'user', content: request.user },
    ],
  };
  if (request.answerSchema) body.format = request.answerSchema;
  return { nativePath: '/api/chat', operation: 'chat', body };
}
