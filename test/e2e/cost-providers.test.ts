/**
 * Issue 16, item 1: the cost of every interaction, through each provider's real SDK, JSON and
 * stream. The scripted upstream reports usage with cached, cache-written and reasoning tokens;
 * the row's `costUsd` must be what the bundled price table charges for exactly those counts
 * (cache reads at the cache-read rate, writes at the write rates, reasoning as output).
 */
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxy, createProxyFetch, type Proxy } from '../../src/index.js';
import { sampleValue } from '../helpers/metrics.js';
import { tableRates, usd } from '../helpers/prices.js';
import { onlyRow } from '../helpers/proxy.js';
import { type ScriptedAnthropic, startAnthropicUpstream } from '../upstream/anthropic.js';
import { type ScriptedGemini, startGeminiUpstream } from '../upstream/gemini.js';
import { type ScriptedOllama, startOllamaUpstream } from '../upstream/ollama.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

let openai: ScriptedOpenAI;
let anthropic: ScriptedAnthropic;
let gemini: ScriptedGemini;
let ollama: ScriptedOllama;
let proxy: Proxy;
let sessions = 0;

beforeAll(async () => {
  [openai, anthropic, gemini, ollama] = await Promise.all([startOpenAIUpstream(), startAnthropicUpstream(), startGeminiUpstream(), startOllamaUpstream()]);
  proxy = createProxy({
    providers: { openai: { baseUrl: openai.baseUrl }, anthropic: { baseUrl: anthropic.url }, gemini: { baseUrl: gemini.url }, ollama: { baseUrl: ollama.url } },
    // Local models cost nothing, by configuration; nothing else is overridden here.
    pricing: { models: { 'ollama:qwen3:*': { input: 0, output: 0 } } },
  });
});
afterAll(async () => {
  await proxy.close();
  await Promise.all([openai, anthropic, gemini, ollama].map((up) => up.close()));
});

/** A fresh session id, so each call's row can be found alone. */
const session = () => ({ sessionId: `cost-${++sessions}` });
const rowOf = (ids: { sessionId: string }) => onlyRow(proxy, ids);

describe.each([{ stream: false }, { stream: true }])('stream: $stream', ({ stream }) => {
  it('OpenAI Chat Completions: cached prompt tokens at the cache-read rate, the rest of the prompt at the input rate', async () => {
    const rates = tableRates('openai', 'gpt-4o');
    openai.reply({ kind: 'chat', content: 'ok', usage: { prompt_tokens: 1_200, completion_tokens: 300, cached_tokens: 1_000 } });
    const ids = session();
    const client = new OpenAI({ apiKey: 'sk-test-cost-0123456789', baseURL: openai.baseUrl, maxRetries: 0, fetch: createProxyFetch(proxy, ids) });
    if (stream) for await (const chunk of await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true })) void chunk;
    else await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    const row = await rowOf(ids);
    expect(row).toMatchObject({ inputTokens: 1_200, outputTokens: 300, cacheReadTokens: 1_000, cacheWriteTokens: null, reasoningTokens: null });
    expect(row.costUsd).toBeCloseTo(usd([200, rates.input], [1_000, rates.cacheRead], [300, rates.output]), 12);
  });

  it('OpenAI Responses: cached input at the cache-read rate; reasoning tokens are output', async () => {
    const rates = tableRates('openai', 'o3-mini');
    openai.reply({ kind: 'responses', content: 'ok', usage: { input_tokens: 900, output_tokens: 700, cached_tokens: 512, reasoning_tokens: 640 } });
    const ids = session();
    const client = new OpenAI({ apiKey: 'sk-test-cost-0123456789', baseURL: openai.baseUrl, maxRetries: 0, fetch: createProxyFetch(proxy, ids) });
    if (stream) for await (const event of await client.responses.create({ model: 'o3-mini', input: 'hi', stream: true })) void event;
    else await client.responses.create({ model: 'o3-mini', input: 'hi' });
    const row = await rowOf(ids);
    expect(row).toMatchObject({ inputTokens: 900, outputTokens: 700, cacheReadTokens: 512, reasoningTokens: 640 });
    expect(row.costUsd).toBeCloseTo(usd([388, rates.input], [512, rates.cacheRead], [700, rates.output]), 12);
  });

  it('Anthropic Messages: uncached input, cache reads, 5-minute and 1-hour cache writes each at their rate', async () => {
    const model = 'claude-sonnet-4-20250514';
    const rates = tableRates('anthropic', model);
    anthropic.reply({ kind: 'message', text: 'ok', usage: { input_tokens: 50, output_tokens: 200, cache_read_input_tokens: 3_000, cache_creation_input_tokens: 1_000, cache_1h_input_tokens: 400 } });
    const ids = session();
    const client = new Anthropic({ apiKey: 'sk-ant-test-cost-0123456789', baseURL: anthropic.url, maxRetries: 0, fetch: createProxyFetch(proxy, ids) });
    const request = { model, max_tokens: 1_024, messages: [{ role: 'user' as const, content: 'hi' }] };
    if (stream) for await (const event of await client.messages.create({ ...request, stream: true })) void event;
    else await client.messages.create(request);
    const row = await rowOf(ids);
    // Anthropic's input_tokens leaves the cache out: stored as reported, priced as the sum.
    expect(row).toMatchObject({ inputTokens: 50, outputTokens: 200, cacheReadTokens: 3_000, cacheWriteTokens: 1_000 });
    expect(row.costUsd).toBeCloseTo(usd([50, rates.input], [3_000, rates.cacheRead], [600, rates.cacheWrite], [400, rates.cacheWrite1h], [200, rates.output]), 12);
  });

  it('Gemini: cached content at the cache-read rate; thoughts are output', async () => {
    const rates = tableRates('google', 'gemini-2.5-flash');
    gemini.reply({ kind: 'generate', text: 'ok', usage: { prompt: 1_000, candidates: 100, thoughts: 50, cached: 600 } });
    const ids = session();
    const client = new GoogleGenAI({ apiKey: 'AIza-test-cost-0123456789', httpOptions: { baseUrl: gemini.url, fetch: createProxyFetch(proxy, ids) } });
    if (stream) for await (const chunk of await client.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'hi' })) void chunk;
    else await client.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' });
    const row = await rowOf(ids);
    expect(row).toMatchObject({ inputTokens: 1_000, outputTokens: 150, cacheReadTokens: 600, reasoningTokens: 50 });
    expect(row.costUsd).toBeCloseTo(usd([400, rates.input], [600, rates.cacheRead], [150, rates.output]), 12);
  });

  it('Ollama: a local model priced at 0 by configuration costs 0; one without a price costs null (unknown) and is counted', async () => {
    const client = (ids: { sessionId: string }) => new Ollama({ host: ollama.url, fetch: createProxyFetch(proxy, ids) });
    const chat = async (model: string, ids: { sessionId: string }) => {
      ollama.reply({ kind: 'answer', content: 'ok', usage: { prompt_eval_count: 40, eval_count: 12 } });
      const messages = [{ role: 'user', content: 'hi' }];
      if (stream) for await (const part of await client(ids).chat({ model, messages, stream: true })) void part;
      else await client(ids).chat({ model, messages });
      return rowOf(ids);
    };
    expect(await chat('qwen3:8b', session())).toMatchObject({ inputTokens: 40, outputTokens: 12, costUsd: 0 });
    const before = sampleValue(await proxy.registry.metrics(), 'llm_cost_unknown_total', { provider: 'ollama', model: 'llama3.2' }) ?? 0;
    expect(await chat('llama3.2', session())).toMatchObject({ inputTokens: 40, outputTokens: 12, costUsd: null });
    expect(sampleValue(await proxy.registry.metrics(), 'llm_cost_unknown_total', { provider: 'ollama', model: 'llama3.2' })).toBe(before + 1);
  });
});
