/**
 * Issue 16, items 2 and 3: budgets (`limits.budgets`) through the real SDKs (their own retries
 * off), JSON and stream. A request's worst case (its prompt estimate and max tokens) is reserved
 * before it goes upstream, so 50 concurrent requests against a budget that affords 10 let 10
 * through and refuse the rest with 402 (not retryable, naming the budget, its window and when it
 * has room again); spend is settled to the reported usage; a failed upstream and a client that
 * goes away give their reservation back; rolling and calendar windows run on an injected clock;
 * two proxies on one SQLite file share a budget; failing counters refuse (fail closed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Proxy, createMemoryStore, createProxy, createProxyFetch } from '../../src/index.js';
import type { ProxyConfig } from '../../src/config/schema.js';
import { estimateInputTokens } from '../../src/pipeline/budget-stage.js';
import type { RequestContext, Store } from '../../src/types.js';
import { sampleValue } from '../helpers/metrics.js';
import { auditRows } from '../helpers/proxy.js';
import { type RawUpstream, type Step, startRawStreamUpstream } from '../helpers/raw-stream-upstream.js';
import { messageBody, streamEvents } from '../upstream/anthropic-wire.js';
import { chunkPayloads, completionBody } from '../upstream/openai-wire.js';

/** What the upstream reports: OpenAI 12 + 7 tokens (JSON and stream), Anthropic 14 + 9. */
const USAGE = { prompt_tokens: 12, completion_tokens: 7 };
const T0 = Date.parse('2026-03-01T12:00:00Z');

let up: RawUpstream;
let dir: string;
let clock = T0;
const proxies: Proxy[] = [];
/** Answers marked `x-test-hold: 1` wait for this gate. */
let gate = openGate();

function openGate(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

beforeAll(async () => {
  up = await startRawStreamUpstream();
  dir = mkdtempSync(join(tmpdir(), 'archestra-budgets-'));
  up.reply((request) => {
    const json = request.json as { model: string; stream?: boolean };
    const hold: Step[] = request.headers['x-test-hold'] === '1' ? [{ until: gate.promise }] : [];
    if (request.headers['x-test-fail'] === '1') return { status: 500, headers: { 'content-type': 'application/json' }, steps: [JSON.stringify({ error: { message: 'boom', type: 'server_error' } })] };
    if (request.path.includes('/chat/completions')) {
      if (!json.stream) return { headers: { 'content-type': 'application/json' }, steps: [...hold, JSON.stringify(completionBody({ kind: 'chat', content: 'hi', usage: USAGE }, json.model))] };
      const events = chunkPayloads({ kind: 'chat', content: 'hello there', usage: USAGE }, json.model, true).map((data) => `data: ${data}\n\n`);
      return { steps: [events[0]!, ...hold, ...events.slice(1)] };
    }
    if (!json.stream) return { headers: { 'content-type': 'application/json' }, steps: [JSON.stringify(messageBody({ kind: 'message', text: 'hi', usage: { input_tokens: 14, output_tokens: 9 } }, json.model))] };
    return { steps: streamEvents({ kind: 'message', text: 'hello there', usage: { input_tokens: 14, output_tokens: 9 } }, json.model) };
  });
});
afterEach(() => {
  clock = T0;
  gate.resolve();
  gate = openGate();
});
afterAll(async () => {
  for (const proxy of proxies) await proxy.close();
  await up.close();
  rmSync(dir, { recursive: true, force: true });
});

function proxyWith(budgets: NonNullable<ProxyConfig['limits']>['budgets'], config: ProxyConfig = {}): Proxy {
  const proxy = createProxy(
    {
      providers: { openai: { baseUrl: `${up.url}/oai/v1`, apiKey: 'sk-budget-tests' }, anthropic: { baseUrl: up.url, apiKey: 'sk-ant-budget-tests' } },
      limits: { budgets },
      ...config,
    },
    { now: () => clock },
  );
  proxies.push(proxy);
  return proxy;
}

const openai = (proxy: Proxy, context: RequestContext = {}) => new OpenAI({ apiKey: 'sk-client', baseURL: `${up.url}/oai/v1`, maxRetries: 0, fetch: createProxyFetch(proxy, context) });
const anthropic = (proxy: Proxy, context: RequestContext = {}) => new Anthropic({ apiKey: 'sk-ant-client', baseURL: up.url, maxRetries: 0, fetch: createProxyFetch(proxy, context) });

const MAX_TOKENS = 100;
const params = () => ({ model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }], max_tokens: MAX_TOKENS });
const streamParams = () => ({ ...params(), stream: true as const });
/** The tokens a request of `params()` reserves: its body's estimate and its max_tokens. */
const worstCase = (stream = false) => estimateInputTokens(Buffer.byteLength(JSON.stringify(stream ? streamParams() : params()))) + MAX_TOKENS;

const ask = (client: OpenAI, headers: Record<string, string> = {}) => client.chat.completions.create(params(), { headers });
async function askStream(client: OpenAI, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<string> {
  const stream = await client.chat.completions.create(streamParams(), { headers, signal });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  return text;
}
const claudeParams = (maxTokens: number) => ({ model: 'claude-sonnet-4-6', max_tokens: maxTokens, messages: [{ role: 'user' as const, content: 'hi' }] });
const askClaude = (client: Anthropic, maxTokens = 64) => client.messages.create(claudeParams(maxTokens));

type SdkError = InstanceType<typeof OpenAI.APIError> & InstanceType<typeof Anthropic.APIError>;
async function failure(promise: Promise<unknown>): Promise<SdkError> {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  if (error === null) throw new Error('expected the call to fail, but it was served');
  return error as never;
}

/** The call's outcome, never a rejection (the calls are awaited only once all have settled); `onRefused` counts failures as they come. */
function settled<T>(call: Promise<T>, onRefused: () => void): Promise<PromiseSettledResult<T>> {
  return call.then(
    (value) => ({ status: 'fulfilled', value }),
    (reason: unknown) => {
      onRefused();
      return { status: 'rejected', reason };
    },
  );
}

/** The spend kept in the store under a budget's counter. */
async function spent(store: Store, key: string): Promise<number> {
  const slots = await store.budgetCounters!.spentSince(key, 0);
  return slots.reduce((sum, slot) => sum + slot.amount, 0);
}

describe('no overshoot under concurrency', () => {
  it('50 concurrent JSON requests against a budget that affords 10: 10 reach the upstream, 40 get 402; spend is settled to the usage, under the limit', async () => {
    const store = createMemoryStore();
    const limit = 11 * worstCase() - 1;
    const proxy = proxyWith([{ scope: 'agent', tokens: limit, window: { rolling: '24h' } }], { store });
    const client = openai(proxy, { agentId: 'swarm' });
    const before = up.requests.length;
    let refused = 0;
    const calls = Array.from({ length: 50 }, () => settled(ask(client, { 'x-test-hold': '1' }), () => refused++));
    await expect.poll(() => refused).toBe(40);
    await expect.poll(() => up.requests.length - before).toBe(10);
    gate.resolve();
    const results = await Promise.all(calls);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(10);
    const errors = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as SdkError] : []));
    expect(new Set(errors.map((error) => error.status))).toEqual(new Set([402]));
    expect(new Set(errors.map((error) => error.headers?.get('x-should-retry')))).toEqual(new Set(['false']));
    // The unchanged request went upstream as its own bytes: the estimate was made of exactly these.
    expect(up.requests.at(-1)!.body).toBe(JSON.stringify(params()));

    const key = `default\u0000agent:24h\u0000tokens\u0000swarm`;
    expect(await spent(store, key)).toBe(10 * 19);
    expect(10 * 19).toBeLessThanOrEqual(limit);
    // Settled: the reservations are given back, so the budget has room again.
    await ask(client);
    expect(await spent(store, key)).toBe(11 * 19);
    const rows = await auditRows(proxy);
    expect(rows.filter((row) => row.outcome === 'over_budget')).toHaveLength(40);
  });

  it('streams (OpenAI SDK): 12 concurrent against a budget that affords 3: 3 stream to the end, 9 get 402', async () => {
    const proxy = proxyWith([{ scope: 'user', tokens: 4 * worstCase(true) - 1, window: { calendar: 'day' } }]);
    const client = openai(proxy, { userId: 'ana' });
    let refused = 0;
    const calls = Array.from({ length: 12 }, () => settled(askStream(client, { 'x-test-hold': '1' }), () => refused++));
    await expect.poll(() => refused).toBe(9);
    gate.resolve();
    const results = await Promise.all(calls);
    expect(results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))).toEqual(['hello there', 'hello there', 'hello there']);
    const rows = (await auditRows(proxy)).filter((row) => row.outcome === 'over_budget');
    expect(rows.map((row) => [row.status, row.stream])).toEqual(Array.from({ length: 9 }, () => [402, true]));
  });
});

describe('the refusal', () => {
  it('names the budget, its window and when it resets, in the provider\'s shape (Anthropic SDK), not retryable; recorded with its decision', async () => {
    const proxy = proxyWith([{ id: 'claude-hourly', scope: 'agent', model: 'claude-*', tokens: 200, window: { rolling: '1h' } }]);
    const claude = anthropic(proxy, { agentId: 'writer' });
    await askClaude(claude);
    // 23 spent; this one's worst case (its prompt estimate and max tokens) is 190 of the 200.
    const maxTokens = 190 - estimateInputTokens(Buffer.byteLength(JSON.stringify(claudeParams(100))));
    const over = await failure(askClaude(claude, maxTokens));
    expect(over).toBeInstanceOf(Anthropic.APIError);
    expect(over.status).toBe(402);
    expect(over.headers?.get('x-should-retry')).toBe('false');
    // The spend made at T0 sits in the slot of T0 (1-minute slots of 1 h): it leaves the window an hour and a slot later.
    const room = new Date(T0 + 3_600_000 + 60_000).toISOString();
    expect(over.headers?.get('x-archestra-budget-reset')).toBe(room);
    const body = over.error as { type: string; error: { type: string; message: string } };
    expect(body.error.type).toBe('billing_error');
    expect(body.error.message).toMatch(new RegExp(`^Budget "claude-hourly" exceeded: 200 tokens per agent for models matching "claude-\\*" over the rolling 1h; 23 tokens used or reserved, this request may use up to 190 tokens \\(its prompt and max tokens\\)\\. There is room again at ${room.replaceAll('.', '\\.')}\\.$`));
    // A request that could never fit says so.
    const never = await failure(askClaude(claude, 500));
    expect((never.error as { error: { message: string } }).error.message).toContain('more than the whole budget: lower its max tokens.');
    // Other models are not counted.
    await ask(openai(proxy, { agentId: 'writer' }));

    const [row] = (await auditRows(proxy)).filter((row) => row.outcome === 'over_budget');
    expect(row).toMatchObject({ status: 402, outcome: 'over_budget', agentId: 'writer', decisions: [{ kind: 'budget', budgetId: 'claude-hourly', unit: 'tokens', scope: 'agent', outcome: 'exceeded', roomAt: room }] });
    expect(sampleValue(await proxy.registry.metrics(), 'llm_budget_refused_total', { provider: 'anthropic', budget: 'claude-hourly', reason: 'exceeded' })).toBe(2);
  });
});

describe('windows on the injected clock', () => {
  it('rolling 24h: spend leaves the window a day (and at most a slot) after it was made', async () => {
    const proxy = proxyWith([{ scope: 'session', tokens: worstCase() + 19, window: { rolling: '24h' } }]);
    const client = openai(proxy, { sessionId: 's1' });
    await ask(client);
    clock = T0 + 3_600_000;
    await ask(client);
    clock = T0 + 5 * 3_600_000;
    const over = await failure(ask(client));
    // Either spend leaving the window makes room: the first one, 24 h and a 24-minute slot after T0.
    expect(over.headers?.get('x-archestra-budget-reset')).toBe(new Date(T0 + 86_400_000 + 1_440_000).toISOString());
    clock = T0 + 86_400_000 + 1_440_000 - 1;
    expect((await failure(ask(client))).status).toBe(402);
    clock = T0 + 86_400_000 + 1_440_000;
    await ask(client);
  });

  it('a calendar month in a time zone resets at local midnight of the 1st (New York, 04:00 UTC in April)', async () => {
    const proxy = proxyWith([{ scope: 'profile', tokens: worstCase() + 19, window: { calendar: 'month', timeZone: 'America/New_York' } }]);
    const client = openai(proxy);
    // 23:00 on 31 March in New York: already April in UTC.
    clock = Date.parse('2026-04-01T03:00:00Z');
    await ask(client);
    await ask(client);
    const over = await failure(ask(client));
    expect(over.headers?.get('x-archestra-budget-reset')).toBe('2026-04-01T04:00:00.000Z');
    expect((over.error as { message: string }).message).toContain('over the calendar month (America/New_York);');
    expect((over.error as { message: string }).message).toContain('It resets at 2026-04-01T04:00:00.000Z.');
    clock = Date.parse('2026-04-01T03:59:59Z');
    expect((await failure(ask(client))).status).toBe(402);
    clock = Date.parse('2026-04-01T04:00:00Z');
    await ask(client);
  });
});

describe('reservations given back', () => {
  it('a failed upstream (500) and a client that goes away mid-stream release their reservation', async () => {
    const store = createMemoryStore();
    const proxy = proxyWith([{ scope: 'execution', tokens: worstCase(true) + 10, window: { rolling: '1h' } }], { store, upstream: { retries: { attempts: 0 } } });
    const client = openai(proxy, { executionId: 'run-1' });
    expect((await failure(ask(client, { 'x-test-fail': '1' }))).status).toBe(500);
    // The stream is held after its first event; meanwhile its reservation leaves no room.
    const controller = new AbortController();
    const stream = await client.chat.completions.create(streamParams(), { headers: { 'x-test-hold': '1' }, signal: controller.signal });
    const reading = (async () => {
      for await (const _chunk of stream);
    })().catch(() => {});
    expect((await failure(ask(client))).status).toBe(402);
    controller.abort();
    await reading;
    await expect.poll(async () => (await auditRows(proxy)).some((row) => row.outcome === 'client_aborted')).toBe(true);
    // Nothing was reported, nothing is kept: the whole budget is there again.
    expect(await spent(store, `default\u0000execution:1h\u0000tokens\u0000run-1`)).toBe(0);
    await ask(client);
  });
});

describe('a shared store', () => {
  it('30 concurrent requests split over two proxies on one SQLite file, against a budget that affords 5: 5 pass', async () => {
    const store = join(dir, 'swarm.db');
    const budget = [{ scope: 'profile' as const, tokens: 6 * worstCase() - 1, window: { rolling: '7d' as const } }];
    const [a, b] = [proxyWith(budget, { store }), proxyWith(budget, { store })];
    const before = up.requests.length;
    let refused = 0;
    const calls = Array.from({ length: 30 }, (_, index) => settled(ask(openai(index % 2 === 0 ? a : b), { 'x-test-hold': '1' }), () => refused++));
    await expect.poll(() => refused).toBe(25);
    await expect.poll(() => up.requests.length - before).toBe(5);
    gate.resolve();
    expect((await Promise.all(calls)).filter((result) => result.status === 'fulfilled')).toHaveLength(5);
  });

  it('two proxies on one SQLite file share a budget', async () => {
    const store = join(dir, 'shared.db');
    const budget = [{ scope: 'agent' as const, tokens: 3 * worstCase() - 1, window: { calendar: 'week' as const } }];
    const a = proxyWith(budget, { store });
    const b = proxyWith(budget, { store });
    const before = up.requests.length;
    const held = [ask(openai(a, { agentId: 'shared' }), { 'x-test-hold': '1' }), ask(openai(b, { agentId: 'shared' }), { 'x-test-hold': '1' })];
    await expect.poll(() => up.requests.length - before).toBe(2);
    const over = await failure(ask(openai(a, { agentId: 'shared' })));
    expect(over.status).toBe(402);
    // Sunday 1 March 2026: the week (from Monday, UTC) ends at midnight.
    expect(over.headers?.get('x-archestra-budget-reset')).toBe('2026-03-02T00:00:00.000Z');
    expect((await failure(ask(openai(b, { agentId: 'shared' })))).status).toBe(402);
    gate.resolve();
    await Promise.all(held);
    await ask(openai(b, { agentId: 'shared' }));
  });
});

describe('when the counters fail, or a price is unknown', () => {
  it('refuses with 503 by default (fail closed); lets through with onStoreError: allow', async () => {
    const failing = (): Store => Object.assign(createMemoryStore(), {
      budgetCounters: { reserve: () => Promise.reject(new Error('connection lost')), settle: () => Promise.reject(new Error('connection lost')), renew: () => Promise.resolve(), spentSince: () => [] },
    });
    const refusing = proxyWith([{ scope: 'profile', tokens: 1_000_000, window: { rolling: '1h' } }], { store: failing() });
    const refused = await failure(ask(openai(refusing)));
    expect(refused.status).toBe(503);
    expect(refused.error).toMatchObject({ message: 'The budget counters could not be read, so the request was refused; retry shortly.' });
    const allowing = proxyWith([{ scope: 'profile', tokens: 1_000_000, window: { rolling: '1h' }, onStoreError: 'allow' }], { store: failing() });
    expect(await askStream(openai(allowing))).toBe('hello there');
  });

  it('a store without budget counters of its own: they are kept in the process', async () => {
    const { budgetCounters: _none, ...rest } = createMemoryStore();
    const proxy = proxyWith([{ scope: 'profile', tokens: worstCase() + 19, window: { rolling: '1h' } }], { store: rest as Store });
    await ask(openai(proxy));
    await ask(openai(proxy));
    expect((await failure(ask(openai(proxy)))).status).toBe(402);
  });

  it('a dollar budget reserves the worst case at the model\'s price (pricing.models) and settles to the row\'s cost', async () => {
    const store = createMemoryStore();
    // $1,000 and $2,000 per million tokens: a tenth and a fifth of a cent a token.
    const worstUsd = (estimateInputTokens(Buffer.byteLength(JSON.stringify(params()))) * 1_000 + MAX_TOKENS * 2_000) / 1e6;
    const proxy = proxyWith([{ scope: 'agent', usd: 2.5 * worstUsd, window: { calendar: 'month' } }], { store, pricing: { models: { 'gpt-4o-mini': { input: 1_000, output: 2_000 } } } });
    const client = openai(proxy, { agentId: 'spender' });
    let refused = 0;
    const calls = Array.from({ length: 5 }, () => settled(ask(client, { 'x-test-hold': '1' }), () => refused++));
    await expect.poll(() => refused).toBe(3);
    gate.resolve();
    const results = await Promise.all(calls);
    const over = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as SdkError] : []))[0]!;
    expect(over.status).toBe(402);
    expect(over.error).toMatchObject({ message: expect.stringMatching(/^Budget "agent:month" exceeded: \$0\.\d\d per agent over the calendar month \(UTC\); \$0\.\d\d used or reserved, this request may use up to \$0\.2\d/) });
    // 12 prompt and 7 answer tokens: $0.026 each, as the rows record it.
    const rows = (await auditRows(proxy)).filter((row) => row.status === 200);
    expect(rows.map((row) => row.costUsd)).toEqual([0.026, 0.026]);
    expect(await spent(store, 'default\u0000agent:month\u0000usd\u0000spender')).toBeCloseTo(0.052, 9);
  });

  it('a dollar budget refuses a model without a known price (402), unless onUnknownPrice: allow', async () => {
    const refusing = proxyWith([{ scope: 'profile', usd: 5, window: { calendar: 'month' } }]);
    const over = await failure(openai(refusing).chat.completions.create({ ...params(), model: 'no-such-model-xyz' }));
    expect(over.status).toBe(402);
    expect(over.error).toMatchObject({ message: expect.stringContaining('is in US dollars, and the price of model "no-such-model-xyz" is not known') });
    const allowing = proxyWith([{ scope: 'profile', usd: 5, window: { calendar: 'month' }, onUnknownPrice: 'allow' }]);
    await openai(allowing).chat.completions.create({ ...params(), model: 'no-such-model-xyz' });
  });
});

describe('other wire formats', () => {
  it('Gemini\'s maxOutputTokens and Ollama\'s num_predict are reserved; their 402 comes in their own error shape', async () => {
    const proxy = createProxy({ providers: { gemini: { baseUrl: up.url, apiKey: 'g-key' }, ollama: { baseUrl: up.url } }, limits: { budgets: [{ id: 'small', scope: 'profile', tokens: 1_000, window: { rolling: '1h' } }] } }, { now: () => clock });
    proxies.push(proxy);
    const gemini = new Request('http://proxy/gemini/v1beta/models/gemini-2.5-flash:generateContent', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }], generationConfig: { maxOutputTokens: 5_000 } }) });
    const geminiOver = await proxy.handle(gemini);
    expect(geminiOver.status).toBe(402);
    expect(geminiOver.headers.get('x-should-retry')).toBe('false');
    expect(await geminiOver.json()).toEqual({ error: { code: 402, status: 'RESOURCE_EXHAUSTED', message: expect.stringContaining('Budget "small" exceeded: 1,000 tokens for this proxy profile over the rolling 1h; this request alone may use up to 5,') } });
    const ollama = new Request('http://proxy/ollama/api/chat', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], stream: false, options: { num_predict: 2_000 } }) });
    const ollamaOver = await proxy.handle(ollama);
    expect(ollamaOver.status).toBe(402);
    expect(await ollamaOver.json()).toEqual({ error: expect.stringContaining('this request alone may use up to 2,0') });
  });
});
