/**
 * Issue 16, item 1: where the cost goes and what wins. Configured prices win over the table; an
 * unknown model's cost is null, never 0, and counted; `llm_cost_total` adds up the rows; the span
 * carries the cost and the token kinds; a SQLite file keeps them; bad prices are config errors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProxy, createProxyFetch, type Proxy, type ProxyConfig } from '../../src/index.js';
import { sampleValue } from '../helpers/metrics.js';
import { tableRates, usd } from '../helpers/prices.js';
import { auditRows, rejection } from '../helpers/proxy.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const KEY = 'sk-test-cost-records-0123';
const opened: Proxy[] = [];
let up: ScriptedOpenAI;
let dir: string;

function newProxy(config: ProxyConfig = {}): Proxy {
  const proxy = createProxy({ providers: { openai: { baseUrl: up.baseUrl } }, ...config });
  opened.push(proxy);
  return proxy;
}

/** One chat call as `agentId`, answered with `usage`. */
async function chat(proxy: Proxy, model: string, usage: { prompt_tokens: number; completion_tokens: number; cached_tokens?: number; reasoning_tokens?: number }, agentId = 'cost-agent') {
  up.reply({ kind: 'chat', content: 'ok', usage });
  const client = new OpenAI({ apiKey: KEY, baseURL: up.baseUrl, maxRetries: 0, fetch: createProxyFetch(proxy, { agentId }) });
  await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
  return (await auditRows(proxy)).at(-1)!;
}

beforeAll(async () => {
  up = await startOpenAIUpstream();
  dir = mkdtempSync(join(tmpdir(), 'archestra-cost-'));
  expect(trace.setGlobalTracerProvider(tracerProvider)).toBe(true);
});
afterEach(async () => {
  up.reset();
  exporter.reset();
  await Promise.all(opened.splice(0).map((proxy) => proxy.close()));
});
afterAll(async () => {
  trace.disable();
  await tracerProvider.shutdown();
  await up.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('configured prices (pricing.models)', () => {
  it('a provider:model price wins over the table, each kind at its configured rate (reasoning apart)', async () => {
    const price = { input: 1, output: 2, cachedInput: 0.25, reasoning: 8 };
    const proxy = newProxy({ pricing: { models: { 'gpt-4o*': { input: 100, output: 100 }, 'openai:gpt-4o': price } } });
    const row = await chat(proxy, 'gpt-4o', { prompt_tokens: 1_000, completion_tokens: 500, cached_tokens: 400, reasoning_tokens: 300 });
    expect(row.costUsd).toBeCloseTo(usd([600, price.input], [400, price.cachedInput], [200, price.output], [300, price.reasoning]), 12);
    // Not the table's figure for the same usage.
    const table = tableRates('openai', 'gpt-4o');
    expect(row.costUsd).not.toBeCloseTo(usd([600, table.input], [400, table.cacheRead], [500, table.output]), 6);
  });

  it('a glob prices the models it matches, whatever their case; a kind left out costs what it is part of', async () => {
    const proxy = newProxy({ pricing: { models: { 'acme-*': { input: 3, output: 6 } } } });
    const row = await chat(proxy, 'ACME-Large-2', { prompt_tokens: 1_000, completion_tokens: 100, cached_tokens: 900, reasoning_tokens: 50 });
    expect(row.costUsd).toBeCloseTo(usd([1_000, 3], [100, 6]), 12);
  });

  it('prices that are not non-negative numbers, or a key naming a provider but no model, are config errors naming the field', async () => {
    const bad = (models: unknown) => rejection(Promise.resolve().then(() => createProxy({ pricing: { models } } as ProxyConfig)));
    expect(String(await bad({ 'gpt-4o': { input: -1, output: 2 } }))).toMatch(/pricing\.models\.gpt-4o\.input/);
    expect(String(await bad({ 'gpt-4o': { input: 1 } }))).toMatch(/pricing\.models\.gpt-4o\.output/);
    expect(String(await bad({ 'gpt-4o': { input: 1, output: 2, cached: 1 } }))).toMatch(/pricing\.models\.gpt-4o\.cached: unknown field; did you mean "cachedInput"\?/);
    expect(String(await bad({ 'ollama:': { input: 0, output: 0 } }))).toMatch(/pricing\.models\.ollama:/);
  });
});

describe('unknown prices', () => {
  it('a model neither configured nor in the table: costUsd null (not 0), counted by llm_cost_unknown_total, not by llm_cost_total', async () => {
    const proxy = newProxy();
    const row = await chat(proxy, 'gpt-imaginary-9', { prompt_tokens: 10, completion_tokens: 5 });
    expect(row.costUsd).toBeNull();
    expect(row).toMatchObject({ inputTokens: 10, outputTokens: 5 });
    const text = await proxy.registry.metrics();
    expect(sampleValue(text, 'llm_cost_unknown_total', { provider: 'openai', model: 'gpt-imaginary-9' })).toBe(1);
    expect(sampleValue(text, 'llm_cost_total', { provider: 'openai', model: 'gpt-imaginary-9', external_agent_id: 'cost-agent' })).toBeUndefined();
  });

  it('a request that reported no usage (refused before the upstream) has no cost and counts as no unknown', async () => {
    const proxy = newProxy({ auth: { providerKeys: false } });
    const client = new OpenAI({ apiKey: KEY, baseURL: up.baseUrl, maxRetries: 0, fetch: createProxyFetch(proxy) });
    await expect(client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })).rejects.toThrow();
    expect((await auditRows(proxy)).at(-1)).toMatchObject({ status: 401, costUsd: null });
    expect(await proxy.registry.metrics()).not.toContain('llm_cost_unknown_total{');
  });
});

describe('where the cost goes', () => {
  it('llm_cost_total adds up the rows per provider, model and agent; the span has the cost and the token kinds', async () => {
    const proxy = newProxy();
    const rows = [
      await chat(proxy, 'gpt-4o', { prompt_tokens: 2_000, completion_tokens: 100, cached_tokens: 1_024 }),
      await chat(proxy, 'gpt-4o', { prompt_tokens: 300, completion_tokens: 40 }),
      await chat(proxy, 'gpt-4o', { prompt_tokens: 50, completion_tokens: 10 }, 'other-agent'),
    ];
    const text = await proxy.registry.metrics();
    expect(sampleValue(text, 'llm_cost_total', { provider: 'openai', model: 'gpt-4o', external_agent_id: 'cost-agent' })).toBeCloseTo(rows[0]!.costUsd! + rows[1]!.costUsd!, 12);
    expect(sampleValue(text, 'llm_cost_total', { provider: 'openai', model: 'gpt-4o', external_agent_id: 'other-agent' })).toBeCloseTo(rows[2]!.costUsd!, 12);
    const span = exporter.getFinishedSpans()[0]!;
    expect(span.attributes).toMatchObject({ 'archestra.cost.usd': rows[0]!.costUsd, 'gen_ai.usage.input_tokens': 2_000, 'gen_ai.usage.cache_read.input_tokens': 1_024 });
    expect(rows[0]!.costUsd).toBeGreaterThan(0);
  });

  it('a SQLite file keeps the cost and the token kinds (a migration adds them), and reads them back after a reopen', async () => {
    const file = join(dir, 'cost.sqlite');
    const first = newProxy({ store: file });
    const written = await chat(first, 'o3-mini', { prompt_tokens: 700, completion_tokens: 400, cached_tokens: 256, reasoning_tokens: 320 });
    await first.close();
    const reopened = newProxy({ store: file });
    const [row] = await auditRows(reopened);
    expect(row).toMatchObject({ inputTokens: 700, outputTokens: 400, cacheReadTokens: 256, cacheWriteTokens: null, reasoningTokens: 320, costUsd: written.costUsd });
    const rates = tableRates('openai', 'o3-mini');
    expect(row!.costUsd).toBeCloseTo(usd([444, rates.input], [256, rates.cacheRead], [400, rates.output]), 12);
  });
});
