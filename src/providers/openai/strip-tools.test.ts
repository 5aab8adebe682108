import { describe, expect, it } from 'vitest';
import { forbidResponsesToolCalls, stripChatTools } from './strip-tools.js';

describe('quarantine in the OpenAI formats', () => {
  it('Chat Completions: the tools, the legacy functions and a search model\'s hosted search all go', () => {
    const json: Record<string, unknown> = { model: 'gpt-4o-search-preview', messages: [], tools: [{ type: 'function', function: { name: 'send' } }], tool_choice: 'auto', functions: [{ name: 'old' }], web_search_options: {} };
    expect(stripChatTools(json)).toBe(true);
    expect(json).toEqual({ model: 'gpt-4o-search-preview', messages: [] });
  });

  it('Chat Completions: a request with nothing to call is left alone', () => {
    const json: Record<string, unknown> = { model: 'gpt-4o-mini', messages: [] };
    expect(stripChatTools(json)).toBe(false);
    expect(json).toEqual({ model: 'gpt-4o-mini', messages: [] });
  });

  it('Responses: tool_choice none reaches hosted tools too; the tools stay declared for the history', () => {
    const tools = [{ type: 'web_search' }, { type: 'function', name: 'send' }];
    const json: Record<string, unknown> = { tools, parallel_tool_calls: true };
    expect(forbidResponsesToolCalls(json)).toBe(true);
    expect(json).toEqual({ tools, tool_choice: 'none' });
  });
});
