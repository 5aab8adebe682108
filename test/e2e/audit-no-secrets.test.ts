/**
 * Checklist D5: no key in any sink. Canary keys in Authorization (OpenAI), x-api-key (Anthropic),
 * x-goog-api-key and `?key=` (Gemini), a provider key from the configuration (Ollama), an
 * OpenAI-compatible API's (groq), Azure's `api-key` and an Entra ID bearer token, the
 * request body (the client quoting its own key), and upstream error messages that echo the key
 * they got. None may show in the bundled server's stdout and stderr, the audit file (its raw
 * bytes, and its WAL while the server runs), `/metrics`, the spans (an in-memory exporter, in
 * process), or the bodies the clients get back.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxy } from '../../src/index.js';
import { startCli } from '../helpers/cli-server.js';
import { anthropicError, type ScriptedAnthropic, startAnthropicUpstream } from '../upstream/anthropic.js';
import { geminiError, type ScriptedGemini, startGeminiUpstream } from '../upstream/gemini.js';
import { ollamaError, type ScriptedOllama, startOllamaUpstream } from '../upstream/ollama.js';
import { azurePathToOpenAI, openAIError, type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

/** Every canary holds this, so one search finds any of them. */
const MARK = 'CANARY';
const OPENAI_KEY = 'sk-proj-CANARYopenai0123456789abcdef';
const ANTHROPIC_KEY = 'sk-ant-api03-CANARYanthropic0123456789';
const GEMINI_HEADER_KEY = 'AIzaSyCANARYgeminiHeader0123456789ab';
const GEMINI_QUERY_KEY = 'AIzaSyCANARYgeminiQuery01234567890ab';
const OLLAMA_CONFIG_KEY = 'ollama-CANARYconfigured0123456789';
const GROQ_KEY = 'gsk_CANARYgroq0123456789abcdefghij';
const AZURE_KEY = 'CANARYazure0123456789abcdef012345';
/** An Entra ID token, passed through to Azure as a bearer token. */
const ENTRA_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJhenVyZSJ9.CANARYentraSignature0123456789';

let openai: ScriptedOpenAI;
let anthropic: ScriptedAnthropic;
let gemini: ScriptedGemini;
let ollama: ScriptedOllama;
let dir: string;

beforeAll(async () => {
  // One OpenAI-format upstream serves OpenAI, an OpenAI-compatible API (groq) and Azure's paths.
  [openai, anthropic, gemini, ollama] = await Promise.all([startOpenAIUpstream({ mapPath: azurePathToOpenAI }), startAnthropicUpstream(), startGeminiUpstream(), startOllamaUpstream()]);
  dir = mkdtempSync(join(tmpdir(), 'archestra-no-secrets-'));
});
afterAll(async () => {
  await Promise.all([openai, anthropic, gemini, ollama].map((up) => up.close()));
  rmSync(dir, { recursive: true, force: true });
});

const GEMINI_PATH = '/gemini/v1beta/models/gemini-2.0-flash:generateContent';
const chat = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra });

/** The requests, each once answered and once with the upstream echoing the key it got. */
function requests(): { path: string; headers: Record<string, string>; body: unknown; echo(): void }[] {
  const json = { 'content-type': 'application/json' };
  return [
    {
      path: '/openai/chat/completions',
      headers: { ...json, authorization: `Bearer ${OPENAI_KEY}` },
      body: chat(`my key is ${OPENAI_KEY}, keep it safe`),
      echo: () => openai.replyOnce({ kind: 'error', status: 401, body: openAIError(`Incorrect API key provided: ${OPENAI_KEY}.`, 'invalid_request_error', 'invalid_api_key') }),
    },
    {
      path: '/openai/chat/completions',
      headers: { ...json, authorization: `Bearer ${OPENAI_KEY}` },
      body: chat(`streamed, key ${OPENAI_KEY}`, { stream: true }),
      echo: () => openai.replyOnce({ kind: 'error', status: 500, body: openAIError(`upstream failed for key ${OPENAI_KEY}`, 'server_error') }),
    },
    {
      path: '/anthropic/v1/messages',
      headers: { ...json, 'x-api-key': ANTHROPIC_KEY, 'anthropic-version': '2023-06-01' },
      body: { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: `key ${ANTHROPIC_KEY}` }] },
      echo: () => anthropic.replyOnce({ kind: 'error', status: 401, body: anthropicError('authentication_error', `invalid x-api-key ${ANTHROPIC_KEY}`) }),
    },
    {
      path: GEMINI_PATH,
      headers: { ...json, 'x-goog-api-key': GEMINI_HEADER_KEY },
      body: { contents: [{ role: 'user', parts: [{ text: `key ${GEMINI_HEADER_KEY}` }] }] },
      echo: () => gemini.replyOnce({ kind: 'error', status: 400, body: geminiError(400, `API key not valid: ${GEMINI_HEADER_KEY}`, 'INVALID_ARGUMENT') }),
    },
    {
      path: `${GEMINI_PATH}?key=${GEMINI_QUERY_KEY}`,
      headers: json,
      body: { contents: [{ role: 'user', parts: [{ text: `key ${GEMINI_QUERY_KEY}` }] }] },
      echo: () => gemini.replyOnce({ kind: 'error', status: 400, body: geminiError(400, `API key not valid: ${GEMINI_QUERY_KEY}`, 'INVALID_ARGUMENT') }),
    },
    {
      path: '/ollama/api/chat',
      headers: json,
      body: { model: 'llama3.2', stream: false, messages: [{ role: 'user', content: 'hi' }] },
      echo: () => ollama.replyOnce({ kind: 'error', status: 401, body: ollamaError(`unauthorized: ${OLLAMA_CONFIG_KEY}`) }),
    },
    {
      path: '/groq/chat/completions',
      headers: { ...json, authorization: `Bearer ${GROQ_KEY}` },
      body: chat(`my groq key is ${GROQ_KEY}`),
      echo: () => openai.replyOnce({ kind: 'error', status: 401, body: openAIError(`Invalid API Key ${GROQ_KEY}`, 'invalid_request_error', 'invalid_api_key') }),
    },
    {
      path: '/azure/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21',
      headers: { ...json, 'api-key': AZURE_KEY },
      body: chat(`streamed, azure key ${AZURE_KEY}`, { stream: true }),
      echo: () => openai.replyOnce({ kind: 'error', status: 401, body: { error: { code: '401', message: `Access denied due to invalid subscription key ${AZURE_KEY}.` } } }),
    },
    {
      path: '/azure/openai/v1/chat/completions',
      headers: { ...json, authorization: `Bearer ${ENTRA_TOKEN}` },
      body: chat('hi'),
      echo: () => openai.replyOnce({ kind: 'error', status: 401, body: { error: { code: 'InvalidAuthenticationToken', message: `The access token ${ENTRA_TOKEN} is invalid.` } } }),
    },
    {
      // Malformed: the proxy refuses it before any upstream.
      path: '/openai/chat/completions',
      headers: { ...json, authorization: `Bearer ${OPENAI_KEY} trailing` },
      body: chat('hi'),
      echo: () => {},
    },
  ];
}

/** Sends every request twice (answered, then echoed by its upstream); the bodies the clients got. */
async function sendAll(send: (path: string, init: RequestInit) => Promise<Response>): Promise<string[]> {
  const got: string[] = [];
  for (const echoed of [false, true]) {
    for (const request of requests()) {
      if (echoed) request.echo();
      const response = await send(request.path, { method: 'POST', headers: request.headers, body: JSON.stringify(request.body) });
      got.push(`${response.status} ${JSON.stringify([...response.headers])} ${await response.text()}`);
    }
  }
  return got;
}

const baseUrls = () => ({ openai: openai.baseUrl, anthropic: anthropic.url, gemini: gemini.url, ollama: ollama.url, azure: openai.url });

describe('no canary key in any sink', () => {
  it('the bundled server: stdout and stderr, the audit file and its WAL, /metrics, the bodies clients got', async () => {
    const db = join(dir, 'audit.db');
    const urls = baseUrls();
    // The OpenAI-compatible API and Azure come from a config file (they have no environment variables of their own beyond Azure's).
    const config = join(dir, 'proxy.json');
    writeFileSync(config, JSON.stringify({ providers: { groq: { baseUrl: urls.openai }, azure: { baseUrl: urls.azure } } }));
    const server = await startCli(['--port', '0', '--db', db, '--config', config], {
      ARCHESTRA_OPENAI_BASE_URL: urls.openai,
      ARCHESTRA_ANTHROPIC_BASE_URL: urls.anthropic,
      ARCHESTRA_GEMINI_BASE_URL: urls.gemini,
      ARCHESTRA_OLLAMA_BASE_URL: urls.ollama,
      ARCHESTRA_OLLAMA_API_KEY: OLLAMA_CONFIG_KEY,
    });
    let wal = '';
    let got: string[] = [];
    let metrics = '';
    try {
      got = await sendAll((path, init) => fetch(`${server.url}/v1${path}`, init));
      metrics = await (await fetch(`${server.url}/metrics`)).text();
      if (existsSync(`${db}-wal`)) wal = readFileSync(`${db}-wal`).toString('latin1');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    // The keys did reach their upstreams (the test sends what it claims to).
    expect(openai.requests.map((r) => r.headers.authorization)).toContain(`Bearer ${OPENAI_KEY}`);
    expect(ollama.requests.map((r) => r.headers.authorization)).toContain(`Bearer ${OLLAMA_CONFIG_KEY}`);
    expect(gemini.requests.map((r) => r.headers['x-goog-api-key'])).toContain(GEMINI_QUERY_KEY);
    expect(openai.requests.map((r) => r.headers['api-key'])).toContain(AZURE_KEY);
    expect(openai.requests.map((r) => r.headers.authorization)).toContain(`Bearer ${ENTRA_TOKEN}`);
    expect(openai.requests.map((r) => r.headers.authorization)).toContain(`Bearer ${GROQ_KEY}`);
    expect(wal.length + readFileSync(db).length).toBeGreaterThan(0);
    expect(got).toHaveLength(20);
    const file = readFileSync(db).toString('latin1');
    expect(file).toContain('streamed, key [REDACTED:credential]');
    const sinks = { output: server.output(), wal, file, metrics, bodies: got.join('\n') };
    for (const [sink, text] of Object.entries(sinks)) expect(text.includes(MARK), `a canary in ${sink}`).toBe(false);
  });

  it('in process: spans (an in-memory OTel exporter), rows and the bodies clients got', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    trace.setGlobalTracerProvider(provider);
    const urls = baseUrls();
    const proxy = createProxy({
      providers: { openai: { baseUrl: urls.openai }, anthropic: { baseUrl: urls.anthropic }, gemini: { baseUrl: urls.gemini }, ollama: { baseUrl: urls.ollama, apiKey: OLLAMA_CONFIG_KEY }, groq: { baseUrl: urls.openai }, azure: { baseUrl: urls.azure } },
    });
    try {
      const got = await sendAll((path, init) => proxy.handle(new Request(`http://proxy${path}`, init)));
      await proxy.flush();
      const spans = exporter.getFinishedSpans();
      expect(spans.length).toBeGreaterThanOrEqual(12);
      const rows = await proxy.store.listInteractions({ limit: 100 });
      expect(rows).toHaveLength(20);
      const sinks = {
        spans: JSON.stringify(spans.map((span) => ({ name: span.name, attributes: span.attributes, status: span.status, events: span.events }))),
        rows: JSON.stringify(rows),
        metrics: await proxy.registry.metrics(),
        bodies: got.join('\n'),
      };
      for (const [sink, text] of Object.entries(sinks)) expect(text.includes(MARK), `a canary in ${sink}`).toBe(false);
    } finally {
      await proxy.close();
      trace.disable();
      await provider.shutdown();
    }
  });
});
