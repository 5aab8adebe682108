import { ApiError, GoogleGenAI } from '@google/genai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSSE } from '../helpers/sse.js';
import { type ScriptedGemini, startGeminiUpstream } from './gemini.js';

const KEY = 'AIzaScriptedUpstreamKey0001';
let up: ScriptedGemini;
let ai: GoogleGenAI;

beforeAll(async () => {
  up = await startGeminiUpstream();
  ai = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: up.url } });
});
afterEach(() => up.reset());
afterAll(() => up.close());

const weather = { name: 'get_weather', args: { city: 'Zürich', unit: 'celsius' } };
const contents = 'What is the weather in Zürich?';

describe('scripted Gemini upstream, driven by the real @google/genai SDK', () => {
  it('generateContent: text, usage, model version; the request as the SDK sends it', async () => {
    up.reply({ kind: 'generate', text: 'Sunny, 21 °C.', usage: { prompt: 9, candidates: 6, thoughts: 20 }, modelVersion: 'gemini-2.5-flash-001' });
    const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents, config: { systemInstruction: 'Be brief.' } });
    expect(response.text).toBe('Sunny, 21 °C.');
    expect(response.modelVersion).toBe('gemini-2.5-flash-001');
    expect(response.usageMetadata).toMatchObject({ promptTokenCount: 9, candidatesTokenCount: 6, thoughtsTokenCount: 20, totalTokenCount: 35 });
    const request = up.requests[0]!;
    expect(request).toMatchObject({ method: 'POST', path: '/v1beta/models/gemini-2.5-flash:generateContent' });
    expect(request.headers['x-goog-api-key']).toBe(KEY);
    expect(request.json).toMatchObject({ contents: [{ parts: [{ text: contents }], role: 'user' }], systemInstruction: { parts: [{ text: 'Be brief.' }] } });
  });

  it('generateContentStream: text pieces joined, no [DONE], usage on the last event, CRLF framing', async () => {
    up.reply({ kind: 'generate', text: 'one two three four five six seven ✓ 🚀', usage: { prompt: 4, candidates: 9 } }, { splitBytes: 7 });
    let text = '';
    let last;
    for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents })) {
      text += chunk.text ?? '';
      last = chunk;
    }
    expect(text).toBe('one two three four five six seven ✓ 🚀');
    expect(last?.usageMetadata).toMatchObject({ promptTokenCount: 4, candidatesTokenCount: 9 });
    expect(last?.candidates?.[0]?.finishReason).toBe('STOP');
    expect(up.requests[0]!.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');

    const raw = await fetch(`${up.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=${KEY}`, { method: 'POST', body: JSON.stringify({ contents: [] }) });
    expect(raw.headers.get('content-type')).toBe('text/event-stream');
    const body = await raw.text();
    expect(body).toContain('\r\n\r\n');
    expect(body).not.toContain('[DONE]');
    expect(parseSSE(body).map((event) => JSON.parse(event.data).candidates[0].finishReason ?? null).at(-1)).toBe('STOP');
  });

  it('function calls: whole calls in one event; functionCalls getter', async () => {
    up.reply({ kind: 'generate', functionCalls: [weather, { name: 'get_time', args: { zone: 'Europe/Zurich' } }] });
    const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents });
    expect(response.functionCalls).toEqual([weather, { name: 'get_time', args: { zone: 'Europe/Zurich' } }]);
    const chunks = [];
    for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents })) chunks.push(chunk);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.functionCalls).toHaveLength(2);
  });

  it('a mid-stream error event raises ApiError with its code', async () => {
    up.reply({ kind: 'generate', text: 'a b c d e f g h i', streamError: { afterEvents: 2, code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents })) seen.push(chunk.text ?? '');
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(503);
    expect(seen).toEqual(['a b c ', 'd e f ']);
  });

  it('errors, keys, models, countTokens, embeddings, v1 and the JSON-array stream', async () => {
    up.reply({ kind: 'error', status: 429, body: { error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED' } } });
    const error = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(429);
    up.reset();

    const keyless = await fetch(`${up.url}/v1beta/models`);
    expect(keyless.status).toBe(403);
    expect((await keyless.json()).error.status).toBe('PERMISSION_DENIED');

    const names: string[] = [];
    for await (const model of await ai.models.list()) names.push(model.name ?? '');
    expect(names).toContain('models/gemini-2.5-flash');
    expect((await ai.models.get({ model: 'gemini-2.5-pro' })).displayName).toBe('Gemini 2.5 Pro');
    expect((await ai.models.countTokens({ model: 'gemini-2.5-flash', contents: 'one two three' })).totalTokens).toBeGreaterThan(0);
    const embedded = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: ['a', 'b'] });
    expect(embedded.embeddings).toHaveLength(2);
    expect(up.requests.at(-1)!.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');

    const v1 = new GoogleGenAI({ apiKey: KEY, apiVersion: 'v1', httpOptions: { baseUrl: up.url } });
    expect((await v1.models.generateContent({ model: 'gemini-2.5-flash', contents })).text).toBe('Hello from the scripted Gemini upstream.');
    expect(up.requests.at(-1)!.path).toBe('/v1/models/gemini-2.5-flash:generateContent');

    const array = await fetch(`${up.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?key=${KEY}`, { method: 'POST', body: JSON.stringify({ contents: [] }) });
    expect(array.headers.get('content-type')).toMatch(/^application\/json/);
    const chunks = (await array.json()) as { candidates: { content: { parts: { text: string }[] } }[] }[];
    expect(chunks.map((chunk) => chunk.candidates[0]!.content.parts[0]!.text).join('')).toBe('Hello from the scripted Gemini upstream.');
  });
});
