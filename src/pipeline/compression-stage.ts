import type { CompressionConfig } from '../config/model-rules-schema.js';
import { toonForm } from '../policy/toon-form.js';
import type { ProviderAdapter } from '../providers/types.js';
import type { Recorder } from './record.js';

/** Characters per token of the savings estimate, as the model rules' prompt estimate. */
const CHARS_PER_TOKEN = 4;

/**
 * Tool-result compression (`compression.toolResults: 'toon'`): after the request policies, which
 * judged (and taint by) the results as the client sent them, each tool result whose text is a
 * JSON object or array goes upstream in TOON when that is shorter. The prompt tokens saved
 * (estimated: the characters saved over 4) go on the row and `llm_compressed_tokens_saved_total`.
 * Gemini's results (`functionResponse.response`) are JSON objects on the wire, not text: never
 * rewritten. True when the body changed.
 */
export function compressToolResults(config: CompressionConfig, adapter: ProviderAdapter, operation: string, json: Record<string, unknown>, recorder: Recorder): boolean {
  if (config.toolResults !== 'toon' || !adapter.rewriteToolResultTexts) return false;
  let compressed = 0;
  let savedChars = 0;
  adapter.rewriteToolResultTexts(operation, json, (text) => {
    const toon = toonForm(text);
    if (toon === null) return null;
    compressed++;
    savedChars += text.length - toon.length;
    return toon;
  });
  if (compressed === 0) return false;
  recorder.compressedTokensSaved = Math.round(savedChars / CHARS_PER_TOKEN);
  return true;
}
