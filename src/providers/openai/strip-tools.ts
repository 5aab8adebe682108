/**
 * Quarantine for a Chat Completions request: removes the tools (and the legacy `functions`), so
 * the model cannot call one. `tool_choice` and `parallel_tool_calls` go too (OpenAI refuses them
 * without tools); nothing is added. Returns true when it removed something.
 */
export function stripChatTools(json: Record<string, unknown>): boolean {
  let changed = false;
  // `web_search_options`: a search model's hosted search, which could carry the context out in a query.
  for (const key of ['tools', 'tool_choice', 'parallel_tool_calls', 'functions', 'function_call', 'web_search_options']) {
    if (key in json) {
      delete json[key];
      changed = true;
    }
  }
  return changed;
}

/**
 * Quarantine for a Responses API request: `tool_choice: 'none'`. The tools stay declared, since
 * the input may hold earlier calls of them; the model may not call any.
 */
export function forbidResponsesToolCalls(json: Record<string, unknown>): boolean {
  if (!Array.isArray(json.tools) || json.tools.length === 0) return false;
  json.tool_choice = 'none';
  delete json.parallel_tool_calls;
  return true;
}
