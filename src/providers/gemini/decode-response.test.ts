import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { geminiAdapter } from './index.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'));
const read = (name: string, operation = 'generate_content') => geminiAdapter.readResponse(operation, fixture(name));

describe('Gemini response decoding (golden JSON bodies)', () => {
  it('text: the answer, modelVersion, finishReason; output = candidates + thoughts', () => {
    expect(read('text.json')).toEqual({
      model: 'gemini-2.5-flash',
      text: 'Grüezi! Zürich sits where the Limmat leaves the lake — café terraces, blue trams and, on clear days, the snowy Alps. ☕🚋🏔️',
      toolCalls: [],
      usage: { inputTokens: 12, outputTokens: 431 },
      finishReason: 'STOP',
    });
  });

  it('a function call and parallel calls: names, ids (the name when the API gives none), arguments as JSON text', () => {
    expect(read('tool-call.json').toolCalls).toEqual([{ id: 'get_weather', name: 'get_weather', arguments: '{"city":"Zürich","unit":"celsius"}' }]);
    const parallel = read('parallel-tool-calls.json');
    expect(parallel.text).toBe("I'll look up both cities at once.");
    expect(parallel.toolCalls.map((call) => call.arguments)).toEqual(['{"city":"Zürich"}', '{"city":"Genève"}', '{"zone":"Europe/Zurich"}']);
    expect(parallel.usage).toEqual({ inputTokens: 71, outputTokens: 42 });
  });

  it('a blocked prompt: no candidates; usage with the output left out (proto3 zero) is 0, not unknown', () => {
    expect(read('blocked-prompt.json')).toEqual({ model: 'gemini-2.5-flash', text: '', toolCalls: [], usage: { inputTokens: 17, outputTokens: 0 }, finishReason: null });
  });

  it('streamGenerateContent without alt=sse answers one JSON array: read as the stream it stands for', () => {
    expect(read('stream-array.json')).toEqual(read('text.json'));
  });

  it('other operations and odd bodies: no answer, no usage, no throw', () => {
    const empty = { model: null, text: '', toolCalls: [], usage: { inputTokens: null, outputTokens: null }, finishReason: null };
    expect(geminiAdapter.readResponse('count_tokens', { totalTokens: 12 })).toEqual(empty);
    expect(geminiAdapter.readResponse('models', { models: [] })).toEqual(empty);
    expect(geminiAdapter.readResponse('embeddings', { embeddings: [{ values: [0.1] }] })).toEqual(empty);
    expect(geminiAdapter.readResponse('embeddings', { embeddings: [], usageMetadata: { promptTokenCount: 4 } }).usage).toEqual({ inputTokens: 4, outputTokens: 0 });
    expect(geminiAdapter.readResponse('generate_content', null)).toEqual(empty);
    expect(geminiAdapter.readResponse('generate_content', { candidates: 'x', usageMetadata: [] })).toEqual(empty);
  });
});
