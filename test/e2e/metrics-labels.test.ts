/**
 * Issue 14, item 4: strangers cannot inflate the metrics. Labels from the client's headers and
 * body (agent id, model) name a series only once the client's credential was accepted, and every
 * label keeps at most `metrics.maxLabelValues` distinct values per metric; later ones are counted
 * as `__overflow__`, and in `archestra_metric_label_overflows_total`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProxy, type Proxy, type ProxyConfig } from '../../src/index.js';
import { parseMetrics, sampleValue } from '../helpers/metrics.js';
import { chatBody, rawChat } from '../helpers/proxy.js';
import { openAIError, type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

const KEY = 'sk-proj-metricslabels0123';
const DURATION = 'llm_request_duration_seconds_count';
const OVERFLOWS = 'archestra_metric_label_overflows_total';

let up: ScriptedOpenAI;
const opened: Proxy[] = [];

function newProxy(config: ProxyConfig = {}): Proxy {
  const proxy = createProxy({ providers: { openai: { baseUrl: up.baseUrl } }, ...config });
  opened.push(proxy);
  return proxy;
}

/** A chat call as agent `agentId`, with the client's own key (or none). */
async function call(proxy: Proxy, agentId: string, { key = KEY as string | null, model = 'gpt-4o-mini', executionId = undefined as string | undefined } = {}) {
  const headers: Record<string, string> = { 'x-archestra-agent-id': agentId };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (executionId) headers['x-archestra-execution-id'] = executionId;
  const response = await proxy.handle(rawChat(chatBody('hi', { model }), headers));
  await response.text();
  return response.status;
}

/** Every series on the registry: metric name and labels. */
async function series(proxy: Proxy): Promise<string[]> {
  return parseMetrics(await proxy.registry.metrics()).map((sample) => `${sample.name}${JSON.stringify(sample.labels)}`).sort();
}

beforeAll(async () => {
  up = await startOpenAIUpstream();
});
afterEach(async () => {
  up.reset();
  await Promise.all(opened.splice(0).map((proxy) => proxy.close()));
});
afterAll(() => up.close());

describe('labels from the client only after authentication', () => {
  it('10,000 requests refused with 401, each with its own agent id, model and execution id, add no series', async () => {
    // Virtual keys only: a request without one is refused before any credential is checked.
    const proxy = newProxy({ auth: { providerKeys: false } });
    expect(await call(proxy, 'stranger-0', { key: null, model: 'model-0', executionId: 'run-0' })).toBe(401);
    const afterOne = await series(proxy);
    for (let batch = 0; batch < 20; batch++) {
      const statuses = await Promise.all(
        Array.from({ length: 500 }, (_, i) => {
          const n = batch * 500 + i + 1;
          return call(proxy, `stranger-${n}`, { key: n % 2 === 0 ? null : 'arch_not-a-key', model: `model-${n}`, executionId: `run-${n}` });
        }),
      );
      expect(statuses.every((status) => status === 401)).toBe(true);
    }
    const text = await proxy.registry.metrics();
    expect(await series(proxy)).toEqual(afterOne);
    expect(sampleValue(text, DURATION, { provider: 'openai', model: 'unknown', external_agent_id: '', status_code: '401' })).toBe(10_001);
    expect(text).not.toContain('stranger-');
    expect(text).not.toContain('model-');
    expect(parseMetrics(text).filter((sample) => sample.name === 'agent_executions_total')).toEqual([]);
    expect(parseMetrics(text).filter((sample) => sample.name === OVERFLOWS)).toEqual([]);
    expect(up.requests).toHaveLength(0);
  });

  it('a provider key the upstream refuses (401) is no credential either: no agent or model label', async () => {
    const proxy = newProxy();
    up.replyOnce({ kind: 'error', status: 401, body: openAIError('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key') });
    expect(await call(proxy, 'guessing-agent', { key: 'sk-guessed', model: 'guessed-model', executionId: 'e1' })).toBe(401);
    const text = await proxy.registry.metrics();
    expect(sampleValue(text, DURATION, { provider: 'openai', model: 'unknown', external_agent_id: '', status_code: '401' })).toBe(1);
    expect(text).not.toContain('guessing-agent');
    expect(text).not.toContain('guessed-model');
    expect(parseMetrics(text).filter((sample) => sample.name === 'agent_executions_total')).toEqual([]);
  });

  it('an accepted request is labelled with its agent id and model, and counts its execution', async () => {
    const proxy = newProxy();
    expect(await call(proxy, 'billing-bot', { executionId: 'e1' })).toBe(200);
    const text = await proxy.registry.metrics();
    expect(sampleValue(text, DURATION, { provider: 'openai', model: 'gpt-4o-mini', external_agent_id: 'billing-bot', status_code: '200' })).toBe(1);
    expect(sampleValue(text, 'agent_executions_total', { external_agent_id: 'billing-bot' })).toBe(1);
  });
});

describe('metrics.maxLabelValues', () => {
  const labels = (agent: string, model = 'gpt-4o-mini') => ({ provider: 'openai', model, external_agent_id: agent, status_code: '200' });

  it('up to the cap each agent id is its own series; beyond it, new ones are counted as __overflow__ (and the overflows counted); known ones keep theirs', async () => {
    const proxy = newProxy({ metrics: { maxLabelValues: 5 } });
    for (let i = 0; i < 5; i++) expect(await call(proxy, `agent-${i}`, { executionId: `run-${i}` })).toBe(200);
    let text = await proxy.registry.metrics();
    for (let i = 0; i < 5; i++) {
      expect(sampleValue(text, DURATION, labels(`agent-${i}`))).toBe(1);
      expect(sampleValue(text, 'agent_executions_total', { external_agent_id: `agent-${i}` })).toBe(1);
    }
    expect(sampleValue(text, DURATION, labels('__overflow__'))).toBeUndefined();
    expect(parseMetrics(text).filter((sample) => sample.name === OVERFLOWS)).toEqual([]);

    for (let i = 5; i < 8; i++) expect(await call(proxy, `agent-${i}`, { executionId: `run-${i}` })).toBe(200);
    expect(await call(proxy, 'agent-0')).toBe(200);
    text = await proxy.registry.metrics();
    expect(sampleValue(text, DURATION, labels('__overflow__'))).toBe(3);
    expect(sampleValue(text, DURATION, labels('agent-0'))).toBe(2);
    for (let i = 5; i < 8; i++) expect(text).not.toContain(`agent-${i}`);
    expect(sampleValue(text, OVERFLOWS, { metric: 'llm_request_duration_seconds', label: 'external_agent_id' })).toBe(3);
    expect(sampleValue(text, OVERFLOWS, { metric: 'llm_tokens_total', label: 'external_agent_id' })).toBe(6);
    expect(sampleValue(text, 'agent_executions_total', { external_agent_id: '__overflow__' })).toBe(3);
    expect(sampleValue(text, OVERFLOWS, { metric: 'agent_executions_total', label: 'external_agent_id' })).toBe(3);
    // Five agent series and the overflow: nothing else grew.
    expect(parseMetrics(text).filter((sample) => sample.name === DURATION)).toHaveLength(6);
  });

  it('the model label is capped the same way (the proxy\'s own "unknown" is never counted against it)', async () => {
    const proxy = newProxy({ metrics: { maxLabelValues: 2 } });
    up.reply({ kind: 'chat', content: 'hi' });
    // A refused request is observed as model "unknown": it takes no place under the cap.
    expect(await call(proxy, 'a', { key: null })).toBe(401);
    for (const model of ['m-1', 'm-2', 'm-3', 'm-4']) expect(await call(proxy, 'a', { model })).toBe(200);
    const text = await proxy.registry.metrics();
    expect(sampleValue(text, DURATION, labels('a', 'm-1'))).toBe(1);
    expect(sampleValue(text, DURATION, labels('a', 'm-2'))).toBe(1);
    expect(sampleValue(text, DURATION, labels('a', '__overflow__'))).toBe(2);
    expect(sampleValue(text, OVERFLOWS, { metric: 'llm_request_duration_seconds', label: 'model' })).toBe(2);
  });

  it('is validated: zero or a fraction is refused, naming the field', () => {
    expect(() => createProxy({ metrics: { maxLabelValues: 0 } })).toThrow(/metrics\.maxLabelValues/);
    expect(() => createProxy({ metrics: { maxLabelValues: 1.5 } })).toThrow(/metrics\.maxLabelValues/);
  });
});
