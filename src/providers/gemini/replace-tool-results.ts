import type { ToolResultReplacement } from '../../policy/refusal.js';
import { isRecord } from '../shared/json.js';
import { createIdSpace } from '../shared/id-space.js';
import { resultId } from './call-ids.js';
import { conversationBody } from './decode-request.js';
import { field } from './parts.js';

/**
 * Replaces blocked `functionResponse` parts (either spelling) in a `generateContent` (or
 * `countTokens`) request, in place: the response becomes `{ error: <note> }` (the shape Google
 * documents for a failed call) or `{ output: <stand-in> }`, so the turn stays valid and the model
 * learns the result was withheld. A result is known by the id the decoder gave it (its own `id`,
 * else its position), so two results of one tool are told apart. False when a replacement finds
 * no result: the request is then refused, never forwarded with the result in it.
 */
export function replaceGeminiToolResults(json: Record<string, unknown>, replacements: ReadonlyMap<string, ToolResultReplacement>): boolean {
  const contents = conversationBody(json).contents;
  if (!Array.isArray(contents)) return false;
  const idOf = createIdSpace();
  const placed = new Set<string>();
  for (const [position, content] of contents.entries()) {
    if (!isRecord(content) || !Array.isArray(content.parts)) continue;
    for (const [index, part] of content.parts.entries()) {
      if (!isRecord(part)) continue;
      const response = field(part, 'functionResponse', 'function_response');
      if (!isRecord(response)) continue;
      const id = idOf(response.id, resultId(position, index));
      const replacement = replacements.get(id);
      if (!replacement) continue;
      // Google's documented keys: `error` for a failed call, `output` for its result.
      response.response = replacement.withheld ? { error: replacement.text } : { output: replacement.text };
      // Multimodal results carry their data in `parts` too: none of it may reach the model.
      delete response.parts;
      // Nor a second spelling of the same result next to it.
      if (part.functionResponse === response) delete part.function_response;
      placed.add(id);
    }
  }
  return placed.size === replacements.size;
}
