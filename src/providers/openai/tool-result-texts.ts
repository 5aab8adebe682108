import { isRecord } from '../shared/json.js';
import { type RewriteText, rewriteTextOrParts } from '../shared/tool-result-text.js';

/** Chat Completions: the content of `role: 'tool'` (and legacy `role: 'function'`) messages, a string or text parts. */
export function rewriteChatToolResultTexts(json: Record<string, unknown>, rewrite: RewriteText): void {
  if (!Array.isArray(json.messages)) return;
  for (const message of json.messages) {
    if (isRecord(message) && (message.role === 'tool' || message.role === 'function')) rewriteTextOrParts(message, 'content', 'text', rewrite);
  }
}

/**
 * Responses: the `output` of `function_call_output` and `custom_tool_call_output` items, a string
 * or `input_text` parts. Other client tools' outputs (shell, computer, patches) have shapes of their own.
 */
export function rewriteResponsesToolResultTexts(json: Record<string, unknown>, rewrite: RewriteText): void {
  if (!Array.isArray(json.input)) return;
  for (const item of json.input) {
    if (isRecord(item) && (item.type === 'function_call_output' || item.type === 'custom_tool_call_output')) rewriteTextOrParts(item, 'output', 'input_text', rewrite);
  }
}
