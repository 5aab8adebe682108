/**
 * Issue 19, "Also": the names the product renamed are accepted beside the old ones, so its users
 * can switch. `X-Archestra-Run-Id` is `X-Archestra-Execution-Id` (both differing: 400);
 * `agent_runs_total` counts beside `agent_executions_total`; `X-Archestra-Virtual-Key` passes a
 * virtual key while the provider key travels in its usual header: the virtual key authenticates,
 * its own secret goes upstream, and the provider key is dropped (never forwarded, never recorded).
 */
import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Proxy, createProxy, createProxyFetch } from '../../src/index.js';
import { sampleValue } from '../helpers/metrics.js';
import { auditRows } from '../helpers/proxy.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

const CLIENT_KEY = 'sk-proj-CANARYclientProviderKey0123456789';
const KEY_SECRET = 'sk-proj-virtualKeysOwnSecret0123456789ab';

let up: ScriptedOpenAI;
let proxy: Proxy;

beforeAll(async () => {
  up = await startOpenAIUpstream();
  proxy = createProxy({ providers: { openai: { baseUrl: up.baseUrl } }, masterKey: randomBytes(32).toString('hex') });
});
afterAll(async () => {
  await proxy.close();
  await up.close();
});
beforeEach(() => up.reset());

const client = (headers: Record<string, string> = {}, apiKey = CLIENT_KEY) => new OpenAI({ apiKey, baseURL: up.baseUrl, fetch: createProxyFetch(proxy), defaultHeaders: headers, maxRetries: 0 });
const ask = (openai: OpenAI, content = 'hi') => openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });
const lastRow = async () => (await auditRows(proxy)).at(-1)!;

describe('X-Archestra-Run-Id and agent_runs_total', () => {
  it('the run id is the execution id; both metrics count it with the same labels and values', async () => {
    const agent = { 'X-Archestra-Agent-Id': 'renamed-agent' };
    await ask(client({ ...agent, 'X-Archestra-Run-Id': 'run-1' }));
    expect(await lastRow()).toMatchObject({ agentId: 'renamed-agent', executionId: 'run-1', outcome: 'ok' });
    await ask(client({ ...agent, 'X-Archestra-Execution-Id': 'run-2' }));
    await ask(client({ ...agent, 'X-Archestra-Run-Id': 'run-2', 'X-Archestra-Execution-Id': 'run-2' }));
    const metrics = await proxy.registry.metrics();
    expect(sampleValue(metrics, 'agent_executions_total', { external_agent_id: 'renamed-agent' })).toBe(2);
    expect(sampleValue(metrics, 'agent_runs_total', { external_agent_id: 'renamed-agent' })).toBe(2);
  });

  it('both headers, differing: a 400 in the provider shape naming both, recorded, nothing sent upstream', async () => {
    const error = await ask(client({ 'X-Archestra-Run-Id': 'run-a', 'X-Archestra-Execution-Id': 'exec-b' })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toMatch(/X-Archestra-Run-Id and X-Archestra-Execution-Id/);
    expect(await lastRow()).toMatchObject({ status: 400, outcome: 'rejected', executionId: null });
    expect(up.requests).toHaveLength(0);
  });
});

describe('X-Archestra-Virtual-Key', () => {
  it("the virtual key authenticates; its own secret goes upstream; the client's provider key is dropped and never recorded", async () => {
    const created = await proxy.keys.create({ name: 'beside', providers: ['openai'], secrets: { openai: KEY_SECRET } });
    const answer = await ask(client({ 'X-Archestra-Virtual-Key': created.key }), `my key is ${CLIENT_KEY}`);
    expect(answer.choices[0]?.message.content).toBeTruthy();
    const sent = up.requests.at(-1)!;
    expect(sent.headers.authorization).toBe(`Bearer ${KEY_SECRET}`);
    expect(JSON.stringify(sent.headers)).not.toContain(created.key);
    expect(JSON.stringify(sent.headers)).not.toContain(CLIENT_KEY);
    const row = await lastRow();
    expect(row).toMatchObject({ authMethod: 'virtual_key', virtualKeyId: created.id, outcome: 'ok' });
    expect(row.requestBody).toContain('[REDACTED:credential]');
    const sinks = JSON.stringify(await auditRows(proxy)) + (await proxy.registry.metrics());
    expect(sinks).not.toContain('CANARY');
    expect(sinks).not.toContain(created.key);
  });

  it('a virtual key without a secret for the provider: 401 (the provider key beside it is no fallback)', async () => {
    const created = await proxy.keys.create({ name: 'no-secret', providers: ['openai'] });
    const error = await ask(client({ 'X-Archestra-Virtual-Key': created.key })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(up.requests).toHaveLength(0);
  });

  it('a revoked virtual key, or a header that carries no virtual key: 401 in the provider shape, whatever provider key is beside it', async () => {
    const created = await proxy.keys.create({ name: 'revoked', providers: ['openai'], secrets: { openai: KEY_SECRET } });
    await proxy.keys.revoke(created.id);
    for (const value of [created.key, CLIENT_KEY]) {
      const error = await ask(client({ 'X-Archestra-Virtual-Key': value })).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(await lastRow()).toMatchObject({ status: 401, outcome: 'rejected' });
    }
    expect(up.requests).toHaveLength(0);
    expect(JSON.stringify(await auditRows(proxy))).not.toContain('CANARY');
  });
});
