import { type RewriteText, rewriteTextOrParts } from '../shared/tool-result-text.js';
import { locateToolResults } from './call-ids.js';

/**
 * Messages: the content of each `tool_result` block, a string or `text` blocks (images and
 * documents inside are left alone). Hosted tools' result blocks are outside content, not visited.
 */
export function rewriteMessageToolResultTexts(json: Record<string, unknown>, rewrite: RewriteText): void {
  if (!Array.isArray(json.messages)) return;
  for (const { block } of locateToolResults(json.messages)) rewriteTextOrParts(block, 'content', 'text', rewrite);
}
