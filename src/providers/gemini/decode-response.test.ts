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
      usage: { inputTokens: 12, outputTokens: 431, reasoningTokens: 400 },
      finishReason: 'STOP',
    });
  });

  it('a function call and parallel calls: names, ids (by position when the API gives none), arguments as JSON text', () => {
    expect(read('tool-call.json').toolCalls).toEqual([{ id: '#0.0', name: 'get_weather', arguments: '{"city":"Zürich","unit":"celsius"}' }]);
    const parallel = read('parallel-tool-calls.json');
    expect(parallel.text).toBe("I'll look up both cities at once.");
    expect(parallel.toolCalls.map((call) => [call.id, call.arguments])).toEqual([['#0.0', '{"city":"Zürich"}'], ['#0.1', '{"city":"Genève"}'], ['#0.2', '{"zone":"Europe/Zurich"}']]);
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

describe('Gemini answers: hosted tools and parts of other types', () => {
  const answer = (parts: unknown[], extra: Record<string, unknown> = {}) => ({ candidates: [{ content: { parts, role: 'model' }, finishReason: 'STOP', index: 0, ...extra }] });
  const read = (body: unknown) => geminiAdapter.readResponse('generate_content', body);
  const call = { functionCall: { name: 'send_email', args: { to: 'a@b.test' } } };

  it('no hosted tool: no hostedCalls', () => {
    expect(read(answer([{ text: 'hi' }, call])).hostedCalls).toBeUndefined();
  });

  it('grounding, URL context, code execution and server-side tool calls are hosted calls (each kind once)', () => {
    const grounding = { webSearchQueries: ['weather bern'], groundingChunks: [{ web: { uri: 'https://vertexaisearch.cloud.google.com/x', title: 'x.test' } }] };
    expect(read(answer([call], { groundingMetadata: grounding })).hostedCalls).toEqual(['grounding']);
    expect(read(answer([call], { grounding_metadata: {} })).hostedCalls).toEqual(['grounding']);
    expect(read(answer([call], { urlContextMetadata: { urlMetadata: [{ retrievedUrl: 'https://x.test', urlRetrievalStatus: 'URL_RETRIEVAL_STATUS_SUCCESS' }] } })).hostedCalls).toEqual(['urlContext']);
    const code = answer([{ executableCode: { language: 'PYTHON', code: 'print(1)' } }, { codeExecutionResult: { outcome: 'OUTCOME_OK', output: '1' } }, call]);
    expect(read(code).hostedCalls).toEqual(['codeExecution']);
    expect(read(code).toolCalls).toEqual([{ id: '#0.0', name: 'send_email', arguments: '{"to":"a@b.test"}' }]);
    expect(read(answer([{ toolCall: { id: 't1', toolType: 'GOOGLE_SEARCH_WEB', args: { q: 'x' } } }, { toolResponse: { id: 't1', toolType: 'GOOGLE_SEARCH_WEB', response: {} } }])).hostedCalls).toEqual(['GOOGLE_SEARCH_WEB']);
    expect(read(answer([{ tool_response: { id: 't1', response: {} } }])).hostedCalls).toEqual(['toolCall']);
  });

  it('the same in a stream: a hosted trace in any event counts', () => {
    const reader = geminiAdapter.streamReader({ operation: 'generate_content', injectedUsage: false });
    reader.read({ data: JSON.stringify(answer([{ text: 'Looking.' }], { finishReason: undefined })) });
    expect(reader.read({ data: JSON.stringify(answer([call])) })).toEqual({ toolCall: true });
    reader.read({ data: JSON.stringify(answer([{ text: '' }], { groundingMetadata: { webSearchQueries: ['q'] } })) });
    expect(reader.view()).toMatchObject({ hostedCalls: ['grounding'], toolCalls: [{ id: '#0.0', name: 'send_email' }] });
  });

  it('known parts that are no action are not calls: text, thoughts, signatures, media, metadata', () => {
    const plain = [
      { text: 'thinking', thought: true, thoughtSignature: 'c2ln' }, { inlineData: { mimeType: 'image/png', data: 'iVBO' } },
      { fileData: { mimeType: 'application/pdf', fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/x' } },
      { text: 'a', videoMetadata: { fps: 1 }, mediaResolution: { level: 'MEDIA_RESOLUTION_LOW' }, partMetadata: { k: 1 } },
      { inline_data: { mime_type: 'audio/wav', data: 'UklG' }, thought_signature: 'c2ln' },
    ];
    expect(read(answer(plain)).toolCalls).toEqual([]);
  });

  it('a part of a type this proxy does not know is an action of unknown shape, named by its field', () => {
    expect(read(answer([{ text: 'x' }, { deviceAction: { open: 'https://evil.test' } }])).toolCalls).toEqual([
      { id: '#0.0', name: 'deviceAction', arguments: '{"open":"https://evil.test"}', unknownShape: true },
    ]);
    // A call under both spellings at once cannot be judged for a client that reads the other one.
    expect(read(answer([{ functionCall: { name: 'a', args: {} }, function_call: { name: 'b', args: {} } }])).toolCalls).toMatchObject([{ name: 'functionCall', unknownShape: true }]);
    // A functionCall that is no object is handed over as a call by the SDK: unknown, not skipped.
    expect(read(answer([{ functionCall: 'send_email' }])).toolCalls).toMatchObject([{ name: 'functionCall', unknownShape: true }]);
  });
});
