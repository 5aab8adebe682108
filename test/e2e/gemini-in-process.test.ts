/**
 * The real @google/genai SDK in-process: `httpOptions.fetch = createProxyFetch(proxy)` and
 * `withArchestra(new GoogleGenAI(...))`, the SDK keeping its public default URL (the proxy tells
 * the provider from it). Also: what `withArchestra` keeps and refuses, and the golden Gemini
 * streams replayed through the whole proxy at awkward byte splits.
 */
import { readFileSync } from 'node:fs';
import { GoogleGenAI } from '@google/genai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProxy, isArchestraError, type Proxy, withArchestra } from '../../src/index.js';
import { auditRows } from '../helpers/proxy.js';
import { clearGeminiEnv, GEMINI_KEY, MODEL, startGeminiInProcess } from '../helpers/gemini-way-in.js';
import { describeGeminiWayIn } from '../helpers/gemini-way-in-suite.js';
import { type ScriptedGemini, startGeminiUpstream } from '../upstream/gemini.js';

let restoreEnv: () => void;
beforeAll(() => {
  restoreEnv = clearGeminiEnv();
});
afterAll(() => restoreEnv());

describeGeminiWayIn('in-process: httpOptions.fetch = createProxyFetch(proxy)', () => startGeminiInProcess('createProxyFetch'), { inProcess: true });
describeGeminiWayIn('in-process: withArchestra(new GoogleGenAI({ apiKey }), { proxy })', () => startGeminiInProcess('withArchestra'), { inProcess: true });

describe('withArchestra on a GoogleGenAI client', () => {
  let up: ScriptedGemini;
  let proxy: Proxy;
  beforeAll(async () => {
    up = await startGeminiUpstream();
    proxy = createProxy({ providers: { gemini: { baseUrl: up.url } } });
  });
  afterEach(() => up.reset());
  afterAll(async () => {
    await proxy.close();
    await up.close();
  });

  it('returns a new GoogleGenAI with the same key, API version and headers; the original still calls the provider directly', async () => {
    const original = new GoogleGenAI({ apiKey: GEMINI_KEY, apiVersion: 'v1', httpOptions: { headers: { 'x-team': 'billing' }, timeout: 30_000 } });
    const wrapped = withArchestra(original, { proxy, agentId: 'billing-bot', sessionId: 'sess-42', userId: 'u-7', executionId: 'exec-1' });
    expect(wrapped).toBeInstanceOf(GoogleGenAI);
    expect(wrapped).not.toBe(original);
    const response = await wrapped.models.generateContent({ model: MODEL, contents: 'hi' });
    expect(response.text).toBe('Hello from the scripted Gemini upstream.');
    const request = up.requests[0]!;
    expect(request.path).toBe(`/v1/models/${MODEL}:generateContent`);
    expect(request.headers).toMatchObject({ 'x-goog-api-key': GEMINI_KEY, 'x-team': 'billing' });
    expect(Object.keys(request.headers).filter((name) => name.startsWith('x-archestra'))).toEqual([]);
    expect((await auditRows(proxy)).at(-1)).toMatchObject({ provider: 'gemini', agentId: 'billing-bot', sessionId: 'sess-42', userId: 'u-7', executionId: 'exec-1', outcome: 'ok' });

    // The original client was not changed: it has no custom fetch and would call the real API.
    const internals = original as unknown as { apiClient: { getFetch(): unknown; getBaseUrl(): string } };
    expect(internals.apiClient.getFetch()).toBeUndefined();
    expect(internals.apiClient.getBaseUrl()).toBe('https://generativelanguage.googleapis.com/');
    const wrappedInternals = wrapped as unknown as { apiClient: { getBaseUrl(): string } };
    expect(wrappedInternals.apiClient.getBaseUrl()).toBe('https://generativelanguage.googleapis.com/');
  });

  it('keeps a custom base URL: a client already pointed at the configured upstream is recognised', async () => {
    const wrapped = withArchestra(new GoogleGenAI({ apiKey: GEMINI_KEY, httpOptions: { baseUrl: up.url } }), { proxy, agentId: 'custom-base' });
    let text = '';
    for await (const chunk of await wrapped.models.generateContentStream({ model: MODEL, contents: 'hi' })) text += chunk.text ?? '';
    expect(text).toBe('Hello from the scripted Gemini upstream.');
    expect((await auditRows(proxy)).at(-1)).toMatchObject({ agentId: 'custom-base', stream: true, inputTokens: 11, outputTokens: 8 });
  });

  it('refuses a Vertex AI client (a different API), with an ArchestraError', () => {
    const vertex = new GoogleGenAI({ vertexai: true, apiKey: 'vertex-express-key' });
    let error: unknown;
    try {
      withArchestra(vertex, { proxy });
    } catch (e) {
      error = e;
    }
    expect(isArchestraError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('ARCHESTRA_UNSUPPORTED_CLIENT');
    expect((error as Error).message).toContain('Vertex AI');
  });
});

describe('golden Gemini streams through the whole proxy (proxy.handle, undici, the scripted upstream)', () => {
  let up: ScriptedGemini;
  let proxy: Proxy;
  beforeAll(async () => {
    up = await startGeminiUpstream();
    proxy = createProxy({ providers: { gemini: { baseUrl: up.url } } });
  });
  afterAll(async () => {
    await proxy.close();
    await up.close();
  });

  const expected = {
    'text.sse': { inputTokens: 12, outputTokens: 431, outcome: 'ok' },
    'tool-call.sse': { inputTokens: 58, outputTokens: 93, outcome: 'ok' },
    'parallel-tool-calls.sse': { inputTokens: 71, outputTokens: 42, outcome: 'ok' },
    'error-mid-stream.sse': { inputTokens: 9, outputTokens: 0, outcome: 'upstream_error' },
  };

  for (const [name, row] of Object.entries(expected)) {
    it(`${name}: the same events and audit row at every split size`, async () => {
      const body = readFileSync(new URL(`../../src/providers/gemini/__fixtures__/${name}`, import.meta.url), 'utf8');
      const events = body.split('\r\n\r\n').filter(Boolean).map((event) => event.replace(/^data: /, ''));
      const outputs = new Set<string>();
      for (const splitBytes of [1, 2, 3, 5, 7, 11, 64, 4096]) {
        up.replyOnce({ kind: 'raw', status: 200, headers: { 'content-type': 'text/event-stream' }, body }, { splitBytes });
        const request = new Request(`http://proxy/gemini/v1beta/models/${MODEL}:streamGenerateContent?alt=sse&key=${GEMINI_KEY}`, { method: 'POST', body: '{"contents":[]}' });
        const response = await proxy.handle(request);
        expect(response.status).toBe(200);
        const text = await response.text();
        outputs.add(text);
        expect(text.split('\n\n').filter(Boolean).map((event) => event.replace(/^data: /, ''))).toEqual(events);
        expect((await auditRows(proxy)).at(-1)).toMatchObject({ provider: 'gemini', stream: true, status: 200, ...row });
      }
      expect(outputs.size).toBe(1);
    });
  }
});
