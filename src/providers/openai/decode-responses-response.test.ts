/**
 * Whole JSON answers (Responses, Embeddings, legacy Completions) -> the response view, and the
 * routes of the Responses API's stored-response endpoints.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { routeNative } from '../../pipeline/route.js';
import { openaiAdapter } from './index.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'));

describe('readResponse', () => {
  it('a Responses object: output_text of its messages, function calls by call_id, input/output tokens, status', () => {
    expect(openaiAdapter.readResponse('responses', fixture('responses-tool-call.json'))).toEqual({
      id: 'resp_68b1c6e2a9c48201b1d3f5a7c9e1b3d50f2a4c6e8b0d2f5b',
      model: 'gpt-4.1-2025-04-14',
      text: 'Let me look that up.',
      toolCalls: [{ id: 'call_Hj2kL4mN6pQ8rS0tU2vW4xY6', name: 'get_weather', arguments: '{"city":"Zürich","unit":"celsius"}' }],
      usage: { inputTokens: 85, outputTokens: 24 },
      finishReason: 'completed',
    });
  });

  it('a response read back or cancelled counts no tokens (they were counted when it was made)', () => {
    const json = fixture('responses-tool-call.json');
    for (const operation of ['responses.retrieve', 'responses.cancel']) {
      const view = openaiAdapter.readResponse(operation, json);
      expect(view.usage).toEqual({ inputTokens: null, outputTokens: null });
      expect(view.model).toBe('gpt-4.1-2025-04-14');
    }
  });

  it('a queued background response has no finish reason yet; an incomplete one says why', () => {
    expect(openaiAdapter.readResponse('responses', { model: 'm', status: 'queued', output: [], usage: null })).toMatchObject({ finishReason: null, usage: { inputTokens: null, outputTokens: null } });
    expect(openaiAdapter.readResponse('responses', { model: 'm', status: 'incomplete', incomplete_details: { reason: 'content_filter' }, output: [] }).finishReason).toBe('content_filter');
  });

  it('embeddings: prompt_tokens are the input tokens; there are no output tokens', () => {
    expect(openaiAdapter.readResponse('embeddings', fixture('embeddings.json'))).toEqual({
      model: 'text-embedding-3-small',
      text: '',
      toolCalls: [],
      usage: { inputTokens: 9, outputTokens: null },
      finishReason: null,
    });
  });

  it('a legacy completion: the choice text and chat-style usage', () => {
    const json = { id: 'cmpl-1', object: 'text_completion', model: 'gpt-3.5-turbo-instruct', choices: [{ text: 'Hi there', index: 0, logprobs: null, finish_reason: 'length' }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } };
    expect(openaiAdapter.readResponse('text_completion', json)).toEqual({ model: 'gpt-3.5-turbo-instruct', text: 'Hi there', toolCalls: [], usage: { inputTokens: 3, outputTokens: 2 }, finishReason: 'length' });
  });
});

describe('routes of stored responses', () => {
  const route = (method: string, path: string) => routeNative(openaiAdapter, method, path.split('/').slice(1), 'default');

  it.each([
    ['GET', '/responses/resp_68b1c6e2', 'responses.retrieve'],
    ['DELETE', '/responses/resp_68b1c6e2', 'responses.delete'],
    ['POST', '/responses/resp_68b1c6e2/cancel', 'responses.cancel'],
    ['GET', '/responses/resp_68b1c6e2/input_items', 'responses.input_items'],
    ['POST', '/responses', 'responses'],
    ['POST', '/embeddings', 'embeddings'],
    ['POST', '/completions', 'text_completion'],
  ])('%s %s -> %s; a response id is never taken for the model', (method, path, operation) => {
    const result = route(method, path);
    expect(result.kind).toBe('match');
    if (result.kind !== 'match') return;
    expect(result.match.route.operation).toBe(operation);
    expect(result.match.nativePath).toBe(path);
    expect(result.match.params.every((param) => param === '')).toBe(true);
  });

  it.each([
    ['GET', '/responses/..'],
    ['GET', '/responses'],
    ['POST', '/responses/resp_1'],
    ['PUT', '/responses/resp_1'],
    ['GET', '/responses/resp_1/other'],
  ])('%s %s is not a route', (method, path) => {
    expect(route(method, path).kind).toBe('unknown-path');
  });
});
