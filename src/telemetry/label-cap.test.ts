import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parseMetrics, sampleValue } from '../../test/helpers/metrics.js';
import { MAX_LABEL_VALUE_LENGTH } from './label-cap.js';
import { createProxyMetrics } from './metrics.js';

const DURATION = 'llm_request_duration_seconds_count';
const OVERFLOWS = 'archestra_metric_label_overflows_total';
const labels = (agent: string) => ({ provider: 'openai', model: 'm', external_agent_id: agent });

describe('the cap on distinct label values', () => {
  it('exactly at the cap every value is its own series; the next new one is the overflow', async () => {
    const metrics = createProxyMetrics(new Registry(), 3);
    for (const agent of ['a', 'b', 'c']) metrics.observeRequest(labels(agent), 200, 0.1);
    let text = await metrics.registry.metrics();
    for (const agent of ['a', 'b', 'c']) expect(sampleValue(text, DURATION, { ...labels(agent), status_code: '200' })).toBe(1);
    expect(parseMetrics(text).filter((sample) => sample.name === OVERFLOWS)).toEqual([]);

    metrics.observeRequest(labels('d'), 200, 0.1);
    text = await metrics.registry.metrics();
    expect(sampleValue(text, DURATION, { ...labels('__overflow__'), status_code: '200' })).toBe(1);
    expect(sampleValue(text, OVERFLOWS, { metric: 'llm_request_duration_seconds', label: 'external_agent_id' })).toBe(1);
  });

  it('counts per metric: a value over the cap in one metric still has its own series in another', async () => {
    const metrics = createProxyMetrics(new Registry(), 1);
    metrics.observeRequest(labels('a'), 200, 0.1);
    metrics.observeTimeToFirstByte(labels('b'), 0.1);
    metrics.observeRequest(labels('b'), 200, 0.1);
    const text = await metrics.registry.metrics();
    expect(sampleValue(text, 'llm_time_to_first_byte_seconds_count', labels('b'))).toBe(1);
    expect(sampleValue(text, DURATION, { ...labels('__overflow__'), status_code: '200' })).toBe(1);
  });

  it('the proxy\'s own values (no agent id, model unknown) are never counted against the cap nor overflow', async () => {
    const metrics = createProxyMetrics(new Registry(), 1);
    metrics.observeRequest(labels('a'), 200, 0.1);
    metrics.observeRequest({ provider: 'openai', model: 'unknown', external_agent_id: '' }, 200, 0.1);
    const text = await metrics.registry.metrics();
    expect(sampleValue(text, DURATION, { provider: 'openai', model: 'unknown', external_agent_id: '', status_code: '200' })).toBe(1);
    expect(parseMetrics(text).filter((sample) => sample.name === OVERFLOWS)).toEqual([]);
  });

  it('proxies sharing one registry share its series, and so the cap', async () => {
    const registry = new Registry();
    const first = createProxyMetrics(registry, 2);
    const second = createProxyMetrics(registry, 2);
    first.observeRequest(labels('a'), 200, 0.1);
    second.observeRequest(labels('b'), 200, 0.1);
    first.observeRequest(labels('c'), 200, 0.1);
    const text = await registry.metrics();
    expect(sampleValue(text, DURATION, { ...labels('__overflow__'), status_code: '200' })).toBe(1);
    expect(sampleValue(text, OVERFLOWS, { metric: 'llm_request_duration_seconds', label: 'external_agent_id' })).toBe(1);
  });

  it(`a value longer than ${MAX_LABEL_VALUE_LENGTH} characters is cut to that length`, async () => {
    const metrics = createProxyMetrics(new Registry(), 10);
    const long = 'm'.repeat(MAX_LABEL_VALUE_LENGTH);
    metrics.observeRequest({ ...labels('a'), model: `${long}${'x'.repeat(100_000)}` }, 200, 0.1);
    const text = await metrics.registry.metrics();
    expect(sampleValue(text, DURATION, { ...labels('a'), model: long, status_code: '200' })).toBe(1);
    expect(text.length).toBeLessThan(20_000);
  });
});
