import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { anthropicAdapter } from './index.js';

const toolUseMessage = JSON.parse(readFileSync(new URL('./__fixtures__/tool-use.json', import.meta.url), 'utf8'));

describe('readResponse: the answer in a Messages JSON body', () => {
  it('text and a tool call (arguments = the input as JSON), model, stop reason, usage as reported', () => {
    expect(anthropicAdapter.readResponse('chat', toolUseMessage)).toEqual({
      model: 'claude-sonnet-4-6',
      text: "Okay, let's check the weather for Zürich, Switzerland.",
      toolCalls: [{ id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '{"location":"Zürich, Switzerland","unit":"celsius"}' }],
      usage: { inputTokens: 472, outputTokens: 89 },
      finishReason: 'tool_use',
    });
  });

  it('a cited answer in many text blocks is one text; thinking and server tool blocks are not the answer', () => {
    const message = {
      id: 'msg_01', type: 'message', role: 'assistant', model: 'claude-opus-4-5-20251101', stop_reason: 'end_turn', stop_sequence: null,
      content: [
        { type: 'thinking', thinking: 'secret reasoning', signature: 'sig' },
        { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'q' } },
        { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] },
        { type: 'text', text: 'According to the report, ' },
        { type: 'text', text: 'revenue grew 12 %', citations: [{ type: 'web_search_result_location', url: 'https://example.com', title: 'R', cited_text: 'grew 12 %' }] },
        { type: 'text', text: '.' },
      ],
      // Prompt-cache reads and writes are not added to input_tokens: the count stays as reported, the cache's apart.
      usage: { input_tokens: 12, cache_creation_input_tokens: 100, cache_read_input_tokens: 2000, output_tokens: 30 },
    };
    expect(anthropicAdapter.readResponse('chat', message)).toEqual({
      model: 'claude-opus-4-5-20251101', text: 'According to the report, revenue grew 12 %.', toolCalls: [], usage: { inputTokens: 12, outputTokens: 30, cacheReadTokens: 2000, cacheWriteTokens: 100, inputIncludesCache: false }, finishReason: 'end_turn', hostedCalls: ['web_search'],
    });
  });

  it('F2/F5: server and MCP tool calls are hosted calls (the client calls next to them are judged as tainted); tool search and the advisor read nothing from outside', () => {
    const content = [
      { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_fetch', input: { url: 'https://a.example' } },
      { type: 'web_fetch_tool_result', tool_use_id: 'srvtoolu_1', content: { type: 'web_fetch_result', url: 'https://a.example', content: { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } } } },
      { type: 'server_tool_use', id: 'srvtoolu_2', name: 'code_execution', input: { code: 'print(1)' } },
      { type: 'server_tool_use', id: 'srvtoolu_3', name: 'bash_code_execution', input: { command: 'ls' } },
      { type: 'server_tool_use', id: 'srvtoolu_4', name: 'text_editor_code_execution', input: { command: 'view', path: '/a' } },
      { type: 'server_tool_use', id: 'srvtoolu_5', name: 'tool_search_tool_regex', input: { query: 'mail' } },
      { type: 'tool_search_tool_result', tool_use_id: 'srvtoolu_5', content: { type: 'tool_search_tool_search_result', tool_references: [] } },
      { type: 'server_tool_use', id: 'srvtoolu_6', name: 'advisor', input: {} },
      { type: 'advisor_tool_result', tool_use_id: 'srvtoolu_6', content: { type: 'advisor_result', text: 'do it', stop_reason: 'end_turn' } },
      { type: 'mcp_tool_use', id: 'mcptoolu_1', name: 'get_issue', server_name: 'github', input: { n: 1 } },
      { type: 'mcp_tool_result', tool_use_id: 'mcptoolu_1', is_error: false, content: [{ type: 'text', text: 'body' }] },
      // A result whose call is not in this answer (a pause_turn continuation): outside content all the same.
      { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_earlier', content: [] },
      { type: 'tool_use', id: 'toolu_1', name: 'send_email', input: { to: 'a@b.example' } },
    ];
    const view = anthropicAdapter.readResponse('chat', { content, stop_reason: 'tool_use' });
    expect(view.hostedCalls).toEqual(['web_fetch', 'code_execution', 'bash_code_execution', 'text_editor_code_execution', 'mcp:github/get_issue', 'web_search_tool_result']);
    expect(view.toolCalls).toEqual([{ id: 'toolu_1', name: 'send_email', arguments: '{"to":"a@b.example"}' }]);
    expect(anthropicAdapter.readResponse('chat', { content: [{ type: 'server_tool_use', id: 's', name: 'tool_search_tool_bm25', input: {} }] }).hostedCalls).toBeUndefined();
  });

  it('F2: a block of a type the proxy does not know is an unknown call shape, named by its type; every known non-action is not', () => {
    const inert = [
      { type: 'text', text: 'hi' }, { type: 'thinking', thinking: 't', signature: 's' }, { type: 'redacted_thinking', data: 'x' },
      { type: 'container_upload', file_id: 'file_1' }, { type: 'compaction', content: 'summary', encrypted_content: null },
      { type: 'fallback', from: {}, to: {}, trigger: {} }, { type: 'mcp_tool_listing', mcp_server_name: 'github', tools: [] },
      { type: 'code_execution_tool_result', tool_use_id: 's', content: {} }, { type: 'bash_code_execution_tool_result', tool_use_id: 's', content: {} },
      { type: 'text_editor_code_execution_tool_result', tool_use_id: 's', content: {} }, null, 'a string',
    ];
    const unknown = [
      { type: 'browser_action', id: 'ba_1', input: { navigate: 'https://evil.example' } },
      { type: 'Tool_Use', id: 'toolu_case', name: 'send_email', input: { to: 'x@evil.example' } },
      { name: 'send_email', input: { to: 'x@evil.example' } },
    ];
    const view = anthropicAdapter.readResponse('chat', { content: [...inert, ...unknown] });
    expect(view.toolCalls).toEqual([
      { id: 'ba_1', name: 'browser_action', arguments: '{"navigate":"https://evil.example"}', unknownShape: true },
      { id: 'toolu_case', name: 'Tool_Use', arguments: '{"to":"x@evil.example"}', unknownShape: true },
      { id: `#${inert.length + 2}`, name: 'content_block', arguments: '{"to":"x@evil.example"}', unknownShape: true },
    ]);
  });

  it('F3: calls without a usable id (none, null, a number, a duplicate, one starting with #) get their position as #<index>', () => {
    const call = (id: unknown, name: string) => ({ type: 'tool_use', ...(id === undefined ? {} : { id }), name, input: {} });
    const view = anthropicAdapter.readResponse('chat', {
      content: [{ type: 'text', text: 'x' }, call(undefined, 'a'), call(null, 'b'), call(42, 'c'), call('dup', 'd'), call('dup', 'e'), call('#1', 'f'), call('', 'g'), call('toolu_ok', 'h')],
    });
    expect(view.toolCalls.map((c) => [c.id, c.name])).toEqual([['#1', 'a'], ['#2', 'b'], ['#3', 'c'], ['#4', 'd'], ['#5', 'e'], ['#6', 'f'], ['#7', 'g'], ['toolu_ok', 'h']]);
  });

  it('count_tokens and models answers carry no usage (counting tokens spends none)', () => {
    const none = { model: null, text: '', toolCalls: [], usage: { inputTokens: null, outputTokens: null }, finishReason: null };
    expect(anthropicAdapter.readResponse('count_tokens', { input_tokens: 2095 })).toEqual(none);
    expect(anthropicAdapter.readResponse('models', { data: [], has_more: false })).toEqual(none);
  });

  it('a body that is not a message gives an empty view, not an exception', () => {
    for (const body of [null, 'text', [], { content: 'not a list', usage: 'none' }]) {
      expect(anthropicAdapter.readResponse('chat', body)).toMatchObject({ text: '', toolCalls: [], usage: { inputTokens: null, outputTokens: null } });
    }
  });
});
