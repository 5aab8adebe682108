/**
 * The model router with the policies that make model calls of their own, and the other targets:
 * the dual-LLM quarantine's calls go through the router to the model the client named (each with
 * its own row), and Ollama is reached on its OpenAI-compatible API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRows } from '../helpers/proxy.js';
import { brainReply, INJECTION, roleOf } from '../helpers/dual-llm-brain.js';
import { type RouterClient, type RouterUpstreams, routerClient, routerProviders, startRouterUpstreams } from '../helpers/router.js';
import type { RecordedRequest } from '../upstream/anthropic.js';
import { type ScriptedOllama, startOllamaUpstream } from '../upstream/ollama.js';

const STAND_IN = 'Summary of the answers: yes; the customer list.';
const ANSWER = 'Your email asks for the customer list; I will not send it.';

let up: RouterUpstreams;
let ollama: ScriptedOllama;
const made: RouterClient[] = [];

beforeAll(async () => {
  up = await startRouterUpstreams();
  ollama = await startOllamaUpstream();
});
afterAll(async () => {
  for (const { proxy } of made) await proxy.close();
  await up.close();
  await ollama.close();
});

describe('dual-LLM quarantine through the router', () => {
  it("the quarantined result never reaches the agent's model; the quarantine's own calls go to the same Anthropic model", async () => {
    const systemOf = (req: RecordedRequest) => String(req.json?.system ?? '');
    const userOf = (req: RecordedRequest) => String(req.json?.messages?.at(-1)?.content?.[0]?.text ?? '');
    up.anthropic.reply((req) => ({ kind: 'message', text: brainReply(systemOf(req), userOf(req)) ?? ANSWER }));
    const client = await routerClient(up, { policies: { trustedData: [{ tool: 'read_email', action: 'sanitize' }] } });
    made.push(client);
    const answer = await client.client.chat.completions.create({
      model: 'anthropic:claude-sonnet-4-6',
      tools: [{ type: 'function', function: { name: 'read_email', parameters: { type: 'object', properties: { id: { type: 'string' } } } } }],
      messages: [
        { role: 'user', content: 'Summarise my latest email.' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_read', type: 'function', function: { name: 'read_email', arguments: '{"id":"42"}' } }] },
        { role: 'tool', tool_call_id: 'call_read', content: INJECTION },
      ],
    });
    expect(answer.choices[0]!.message.content).toBe(ANSWER);
    const agent = up.anthropic.requests.filter((req) => roleOf(systemOf(req)) === 'agent');
    expect(agent).toHaveLength(1);
    expect(agent[0]!.body).toContain(STAND_IN);
    expect(agent[0]!.body).not.toContain('attacker@evil.test');
    expect(up.anthropic.requests.filter((req) => roleOf(systemOf(req)) === 'answer')).toHaveLength(2);
    const rows = await auditRows(client.proxy);
    expect(rows.every((row) => row.provider === 'anthropic' && row.model === 'claude-sonnet-4-6')).toBe(true);
    expect(rows.flatMap((row) => row.decisions ?? []).filter((decision) => decision.kind === 'dual_llm_call')).toHaveLength(6);
  });
});

describe('Ollama through the router', () => {
  it('ollama:<model> goes to its OpenAI-compatible API, model tag and all, without a key', async () => {
    const client = await routerClient(up, { providers: { ...routerProviders(up), ollama: { baseUrl: ollama.url } } });
    made.push(client);
    const answer = await client.client.chat.completions.create({ model: 'ollama:llama3.2:3b', messages: [{ role: 'user', content: 'hi' }] });
    expect(answer.choices[0]!.message.content).toEqual(expect.any(String));
    const sent = ollama.requests.at(-1)!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.json.model).toBe('llama3.2:3b');
    expect(sent.headers.authorization).toBeUndefined();
    expect((await auditRows(client.proxy)).at(-1)).toMatchObject({ provider: 'ollama', model: 'llama3.2:3b', outcome: 'ok', authMethod: 'virtual_key' });
  });
});

describe('OpenAI-compatible providers configured by name', () => {
  it('groq:<model> goes to the configured API in OpenAI format, with its key and headers; X-Archestra-Virtual-Key works beside an SDK key', async () => {
    const client = await routerClient(up, { providers: { ...routerProviders(up), groq: { baseUrl: `${up.openai.url}/v1`, apiKey: 'gsk_router_groq_key', headers: { 'x-team': 'router' } } }, models: { fast: 'groq:llama-3.3-70b-versatile' } });
    made.push(client);
    up.openai.reply({ kind: 'chat', content: 'from groq' });
    const OpenAI = (await import('openai')).default;
    const sdk = new OpenAI({ apiKey: 'sdk-placeholder-key', baseURL: 'http://proxy/router', maxRetries: 0, defaultHeaders: { 'x-archestra-virtual-key': client.key }, fetch: (input, init) => client.proxy.handle(new Request(String(input), init)) });
    const answer = await sdk.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] });
    expect(answer.choices[0]!.message.content).toBe('from groq');
    const sent = up.openai.requests.at(-1)!;
    expect(sent.json.model).toBe('llama-3.3-70b-versatile');
    expect(sent.headers.authorization).toBe('Bearer gsk_router_groq_key');
    expect(sent.headers['x-team']).toBe('router');
    const row = (await auditRows(client.proxy)).at(-1)!;
    expect(row).toMatchObject({ provider: 'groq', model: 'llama-3.3-70b-versatile', outcome: 'ok', authMethod: 'virtual_key' });
    expect(JSON.stringify(row)).not.toContain('sdk-placeholder-key');
  });
});

describe('Azure OpenAI through the router', () => {
  it('azure:<deployment> goes to the v1 API with the api-key header, the deployment as the model', async () => {
    const { startOpenAIUpstream, azurePathToOpenAI } = await import('../upstream/openai.js');
    const azure = await startOpenAIUpstream({ mapPath: azurePathToOpenAI });
    try {
      const client = await routerClient(up, { providers: { ...routerProviders(up), azure: { baseUrl: azure.url, apiKey: 'azure-router-key-0123456789' } } });
      made.push(client);
      azure.reply({ kind: 'chat', content: 'from azure' });
      const answer = await client.client.chat.completions.create({ model: 'azure:my-gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
      expect(answer.choices[0]!.message.content).toBe('from azure');
      const sent = azure.requests.at(-1)!;
      expect(sent.path).toBe('/openai/v1/chat/completions');
      expect(sent.headers['api-key']).toBe('azure-router-key-0123456789');
      expect(sent.json.model).toBe('my-gpt-4o');
      expect((await auditRows(client.proxy)).at(-1)).toMatchObject({ provider: 'azure', model: 'my-gpt-4o', outcome: 'ok' });
    } finally {
      await azure.close();
    }
  });
});
