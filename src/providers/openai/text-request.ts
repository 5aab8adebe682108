import type { TextCall, TextRequest } from '../types.js';

/**
 * A Chat Completions request for one answer. A JSON schema becomes a strict `json_schema`
 * response format (Structured Outputs; vLLM and Ollama's `/v1` honour it too).
 */
export function encodeChatTextRequest(request: TextRequest): TextCall {
  const body: Record<string, unknown> = {
    model: request.model,
    messages: [
      { role: 'system', content: request.system },
      { role: 'user', content: request.user },
    ],
  };
  if (request.answerSchema) body.response_format = { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema: request.answerSchema } };
  return { nativePath: '/chat/completions', operation: 'chat', body };
}
