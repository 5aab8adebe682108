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
      // Prompt-cache reads are not added to input_tokens: the count stays as reported.
      usage: { input_tokens: 12, cache_creation_input_tokens: 100, cache_read_input_tokens: 2000, output_tokens: 30 },
    };
    expect(anthropicAdapter.readResponse('chat', message)).toEqual({
      model: 'claude-opus-4-5-20251101', text: 'According to the report, revenue grew 12 %.', toolCalls: [], usage: { inputTokens: 12, outputTokens: 30 }, finishReason: 'end_turn',
    });
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
