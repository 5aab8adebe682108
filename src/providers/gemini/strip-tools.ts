/**
 * Quarantine for a `generateContent` request: function calling mode `NONE` (the model answers in
 * text), and the hosted tools (search, URL context, code execution, ...) removed, since the mode
 * reaches only function declarations and a fetched URL can carry the context out. The
 * declarations stay, as the contents may hold earlier calls of them.
 */
export function forbidGeminiToolCalls(json: Record<string, unknown>): boolean {
  if (!Array.isArray(json.tools) || json.tools.length === 0) return false;
  json.tools = json.tools.flatMap((tool) => {
    if (typeof tool !== 'object' || tool === null) return [];
    const declarations = (tool as Record<string, unknown>).functionDeclarations ?? (tool as Record<string, unknown>).function_declarations;
    return declarations === undefined ? [] : [{ functionDeclarations: declarations }];
  });
  delete json.tool_config;
  if ((json.tools as unknown[]).length === 0) {
    // Nothing left to call: without tools, a function-calling mode is no longer the API's business.
    delete json.tools;
    delete json.toolConfig;
    return true;
  }
  json.toolConfig = { functionCallingConfig: { mode: 'NONE' } };
  return true;
}
