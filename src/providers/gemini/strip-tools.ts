/**
 * Quarantine for a `generateContent` request: function calling mode `NONE` (the model answers in
 * text). The declarations stay, as the contents may hold earlier calls of them.
 */
export function forbidGeminiToolCalls(json: Record<string, unknown>): boolean {
  if (!Array.isArray(json.tools) || json.tools.length === 0) return false;
  delete json.tool_config;
  json.toolConfig = { functionCallingConfig: { mode: 'NONE' } };
  return true;
}
