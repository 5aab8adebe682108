import type { TextCall, TextRequest } from '../types.js';

/**
 * A `generateContent` request for one answer. A JSON answer is asked for with
 * `responseMimeType` (every Gemini model takes it); its shape is validated by the caller.
 */
export function encodeGeminiTextRequest(request: TextRequest): TextCall {
  const body: Record<string, unknown> = {
    systemInstruction: { parts: [{ text: request.system }] },
    contents: [{ role: 'user', parts: [{ text: request.user }] }],
  };
  if (request.answerSchema) body.generationConfig = { responseMimeType: 'application/json' };
  // A model may be named as the API lists it (`models/gemini-2.5-flash`): the path wants its id.
  const model = request.model.replace(/^models\//, '');
  return { nativePath: `/v1beta/models/${encodeURIComponent(model)}:generateContent`, operation: 'generate_content', body };
}
