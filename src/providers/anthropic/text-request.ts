import type { TextCall, TextRequest } from '../types.js';

/** What the proxy's own short questions may cost at most: a question, an index or a summary. */
const MAX_TOKENS = 1024;

/**
 * A Messages request for one answer. The Messages API has no schema constraint every model
 * honours: the answer is validated by the caller instead.
 */
export function encodeMessagesTextRequest(request: TextRequest): TextCall {
  return {
    nativePath: '/v1/messages',
    operation: 'chat',
    body: { model: request.model, max_tokens: MAX_TOKENS, system: request.system, messages: [{ role: 'user', content: request.user }] },
  };
}
