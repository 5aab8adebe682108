/**
 * The admin API's profiles, keys, interactions, usage and OpenAPI routes, on the in-memory, the
 * SQLite and the PostgreSQL store, through the bundled server and the real openai SDK: a profile created through the
 * API serves at once, a key created through it works and stops working once revoked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/cli/server.js';
import { createProxy, type Proxy } from '../../src/index.js';
import type { InteractionRecord } from '../../src/types.js';
import { interactionSummary, keyView, profileView, usageAnswer } from '../../src/admin/views.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';
import { createTestDatabase } from '../helpers/postgres.js';

const TOKEN = 'admin-token-0123456789abcdef';
const SEND = { id: 'call_send', name: 'send_email', arguments: JSON.stringify({ to: 'someone@example.test', body: 'hi' }) };
const tools: OpenAI.Chat.ChatCompletionTool[] = [{ type: 'function', function: { name: 'send_email', parameters: { type: 'object', properties: { to: { type: 'string' } } } } }];

async function api(running: RunningServer, path: string, init: { method?: string; body?: unknown; token?: string | null; headers?: Record<string, string> } = {}): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? TOKEN}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${running.url}/admin/api/${path}`, { method: init.method ?? (init.body === undefined ? 'GET' : 'POST'), headers, ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }) });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

function row(id: string, createdAt: string, extra: Partial<InteractionRecord> = {}): InteractionRecord {
  return {
    id, createdAt, proxyId: 'default', provider: 'openai', operation: 'chat', model: 'gpt-4o-mini', responseModel: null,
    agentId: null, userId: null, sessionId: null, executionId: null, status: 200, outcome: 'ok', error: null, stream: false,
    durationMs: 5, timeToFirstTokenMs: null, inputTokens: 3, outputTokens: 4, requestBody: '{}', responseBody: '{}',
    authMethod: 'provider_key', virtualKeyId: null, decisions: null, ...extra,
  };
}

for (const kind of ['memory', 'sqlite', 'postgres'] as const) {
  describe(`admin API (${kind} store)`, () => {
    let up: ScriptedOpenAI;
    let proxy: Proxy;
    let running: RunningServer;
    let dir: string;

    beforeAll(async () => {
      up = await startOpenAIUpstream();
      dir = mkdtempSync(join(tmpdir(), 'admin-api-'));
      proxy = createProxy({
        providers: { openai: { baseUrl: up.baseUrl, apiKey: 'sk-configured' } },
        store: kind === 'memory' ? ':memory:' : kind === 'sqlite' ? join(dir, 'proxy.db') : await createTestDatabase('admin_api'),
        admin: { token: TOKEN },
        audit: { durability: 'commit' },
        profiles: { fixed: {} },
      });
      running = await startServer(proxy, '127.0.0.1', 0);
    });
    afterAll(async () => {
      await running.close(0);
      await up.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('every route: 401 without a token or with a wrong one, 400 with a token in the query string', async () => {
      const routes = [['GET', 'profiles'], ['POST', 'profiles'], ['PUT', 'profiles/x'], ['DELETE', 'profiles/x'], ['GET', 'keys'], ['POST', 'keys'], ['POST', 'keys/k/revoke'], ['DELETE', 'keys/k'], ['GET', 'interactions'], ['GET', 'interactions/i'], ['GET', 'usage'], ['GET', 'openapi.json']] as const;
      for (const [method, path] of routes) {
        expect((await api(running, path, { method, token: null })).status, `${method} ${path}`).toBe(401);
        expect((await api(running, path, { method, token: `${TOKEN}x` })).status, `${method} ${path}`).toBe(401);
        const queried = await api(running, `${path}?access_token=${TOKEN}`, { method, token: null });
        expect(queried.status, `${method} ${path}`).toBe(400);
        expect(queried.json.error).toMatchObject({ field: 'access_token', message: expect.stringContaining('query string') });
        // Even with the right header: a token in a URL is refused, never silently accepted.
        expect((await api(running, `${path}?token=${TOKEN}`, { method })).status).toBe(400);
      }
    });

    it('a profile created through the API serves an openai SDK request at once, with its own policies; config profiles are read-only', async () => {
      const listed = await api(running, 'profiles');
      expect(listed.status).toBe(200);
      expect(listed.json.profiles.map((profile: { id: string; source: string; readOnly: boolean }) => [profile.id, profile.source, profile.readOnly])).toEqual([['default', 'config', true], ['fixed', 'config', true]]);
      expect(listed.json.profiles[0].connect.openai).toBe(`${running.url}/v1/openai`);

      const created = await api(running, 'profiles', { body: { id: 'billing', description: 'Billing agents', policies: { tools: [{ id: 'no-send', tool: 'send_email', action: 'block' }] } } });
      expect(created.status).toBe(201);
      expect(created.json.profile).toMatchObject({ id: 'billing', source: 'store', readOnly: false, description: 'Billing agents', connect: { openai: `${running.url}/v1/openai/billing` } });
      expect(created.json.profile.config).toEqual({ policies: { tools: [{ id: 'no-send', tool: 'send_email', action: 'block' }] } });
      // The answers are what the OpenAPI document says they are.
      for (const profile of [...listed.json.profiles, created.json.profile]) profileView.strict().parse(profile);

      up.reply({ kind: 'chat', toolCalls: [SEND] });
      const billing = new OpenAI({ apiKey: 'sk-test', baseURL: created.json.profile.connect.openai, maxRetries: 0 });
      const refused = await billing.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'mail Bob' }], tools });
      expect(refused.choices[0]?.message.tool_calls).toBeUndefined();
      expect(refused.choices[0]?.message.content).toContain('send_email');
      // Streamed too: the held call never reaches the SDK.
      const stream = await billing.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'mail Bob' }], tools, stream: true });
      let streamed = '';
      let streamedCalls = 0;
      for await (const chunk of stream) {
        streamed += chunk.choices[0]?.delta.content ?? '';
        streamedCalls += chunk.choices[0]?.delta.tool_calls?.length ?? 0;
      }
      expect(streamedCalls).toBe(0);
      expect(streamed).toContain('send_email');
      const plain = new OpenAI({ apiKey: 'sk-test', baseURL: listed.json.profiles[0].connect.openai, maxRetries: 0 });
      expect((await plain.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'mail Bob' }], tools })).choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: { name: 'send_email' } });
      up.reply({ kind: 'chat', content: 'ok' });

      const log = await api(running, 'interactions?proxyId=billing');
      expect(log.json.interactions).toHaveLength(2);
      expect(log.json.interactions[0]).toMatchObject({ proxyId: 'billing', stream: true, refused: true, refusalReason: expect.stringContaining('no-send') });
      expect(log.json.interactions[1]).toMatchObject({ proxyId: 'billing', stream: false, refused: true, refusalReason: expect.stringContaining('no-send') });
      const refusedOnly = await api(running, 'interactions?refused=true');
      expect(refusedOnly.json.interactions.map((summary: { id: string }) => summary.id)).toEqual(log.json.interactions.map((summary: { id: string }) => summary.id));

      expect((await api(running, 'profiles', { body: { id: 'billing' } })).status).toBe(409);
      expect((await api(running, 'profiles/fixed', { method: 'PUT', body: {} })).json.error.message).toContain('configuration');
      expect((await api(running, 'profiles/fixed', { method: 'DELETE' })).status).toBe(409);
      expect((await api(running, 'profiles/default', { method: 'DELETE' })).status).toBe(409);
      expect((await api(running, 'profiles', { body: { id: 'fixed' } })).status).toBe(409);

      const changed = await api(running, 'profiles/billing', { method: 'PUT', body: { description: 'Billing, relaxed' } });
      expect(changed).toMatchObject({ status: 200, json: { profile: { description: 'Billing, relaxed', config: {} } } });
      up.reply({ kind: 'chat', toolCalls: [SEND] });
      expect((await billing.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'mail Bob' }], tools })).choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: { name: 'send_email' } });
      up.reply({ kind: 'chat', content: 'ok' });

      expect((await api(running, 'profiles/billing', { method: 'DELETE' })).status).toBe(204);
      expect((await api(running, 'profiles/billing', { method: 'DELETE' })).status).toBe(404);
      await expect(billing.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 404 });
    });

    it('validation errors name the field', async () => {
      const cases: [unknown, string][] = [
        [{ id: 'v1' }, 'id'],
        [{ id: 'bad id!' }, 'id'],
        [{}, 'id'],
        [{ id: 'ok', policies: { tools: 'all' } }, 'policies.tools'],
        [{ id: 'ok', providers: { openai: { apiKey: 'sk-x' } } }, 'providers'],
        [{ id: 'ok', surprise: true }, 'surprise'],
      ];
      for (const [body, field] of cases) {
        const answer = await api(running, 'profiles', { body });
        expect(answer.status, JSON.stringify(body)).toBe(400);
        expect(answer.json.error.field, JSON.stringify(body)).toBe(field);
      }
      expect((await api(running, 'profiles', { body: '{nope' })).status).toBe(400);
      expect((await api(running, 'keys', { body: { name: '' } })).json.error.field).toBe('name');
      expect((await api(running, 'keys', { body: { name: 'k', budget: '5 bananas' } })).json.error).toMatchObject({ status: 400, field: 'budget' });
      expect((await api(running, 'interactions?limit=0')).json.error.field).toBe('limit');
      expect((await api(running, 'interactions?from=yesterday')).json.error.field).toBe('from');
      expect((await api(running, 'interactions?colour=red')).json.error.field).toBe('colour');
      expect((await api(running, 'usage?by=planet')).json.error.field).toBe('by');
    });

    it('keys: created through the API (shown once) work through the SDK; revoked, they are refused', async () => {
      const created = await api(running, 'keys', { body: { name: 'ci', proxyId: 'fixed', budget: '5usd/month' } });
      expect(created.status).toBe(201);
      expect(created.json.key).toMatch(/^arch_/);
      expect(created.json.record).toMatchObject({ name: 'ci', proxyId: 'fixed', proxyIds: ['fixed'], budget: ['5usd/month'], revokedAt: null });
      expect(JSON.stringify(created.json.record)).not.toContain(created.json.key);
      const listed = await api(running, 'keys');
      for (const key of listed.json.keys) keyView.strict().parse(key);
      expect(listed.json.keys.map((key: { id: string }) => key.id)).toContain(created.json.record.id);
      expect(JSON.stringify(listed.json)).not.toMatch(/keyHash|sealedSecrets|arch_[A-Za-z0-9_-]{43}/);

      const client = new OpenAI({ apiKey: created.json.key, baseURL: `${running.url}/v1/openai/fixed`, maxRetries: 0 });
      expect((await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })).choices[0]?.message.content).toBeTruthy();
      const revoked = await api(running, `keys/${created.json.record.id}/revoke`, { method: 'POST' });
      expect(revoked).toMatchObject({ status: 200, json: { record: { id: created.json.record.id, revokedAt: expect.any(String) } } });
      await expect(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);

      const other = await api(running, 'keys', { body: { name: 'other' } });
      expect((await api(running, `keys/${other.json.record.id}`, { method: 'DELETE' })).status).toBe(200);
      expect((await api(running, 'keys/nope/revoke', { method: 'POST' })).status).toBe(404);
    });

    it('interactions: filters, cursor paging stable under inserts, polling with after, one in full; usage per day and model', async () => {
      const base = Date.parse('2020-01-01T00:00:00.000Z');
      const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();
      const seeded = Array.from({ length: 7 }, (_, index) => row(`seed-${index}`, at(index), {
        agentId: index % 2 === 0 ? 'even' : 'odd', userId: `u${index % 3}`, sessionId: 's1', executionId: `e${index}`,
        model: index < 5 ? 'gpt-4o-mini' : 'gpt-4o', outcome: index === 3 ? 'rate_limited' : 'ok', status: index === 3 ? 429 : 200, costUsd: 0.01,
      }));
      // Two rows in the same millisecond: the later inserted is the newer.
      seeded.push(row('seed-7', at(6), { agentId: 'even' }));
      await proxy.store.saveInteractions(seeded);
      await proxy.flush();
      const window = `from=${encodeURIComponent(at(0))}&to=${encodeURIComponent(at(60))}`;
      const ids = async (query: string) => ((await api(running, `interactions?${window}&${query}`)).json.interactions as { id: string }[]).map((summary) => summary.id);

      expect(await ids('limit=100')).toEqual(['seed-7', 'seed-6', 'seed-5', 'seed-4', 'seed-3', 'seed-2', 'seed-1', 'seed-0']);
      expect(await ids('agentId=odd')).toEqual(['seed-5', 'seed-3', 'seed-1']);
      expect(await ids('userId=u0')).toEqual(['seed-6', 'seed-3', 'seed-0']);
      expect(await ids('executionId=e2')).toEqual(['seed-2']);
      expect(await ids('model=gpt-4o&sessionId=s1')).toEqual(['seed-6', 'seed-5']);
      expect(await ids('outcome=rate_limited')).toEqual(['seed-3']);
      expect(await ids('refused=true')).toEqual(['seed-3']);
      expect(await ids('provider=anthropic')).toEqual([]);
      expect((await api(running, `interactions?from=${encodeURIComponent(at(2))}&to=${encodeURIComponent(at(4))}`)).json.interactions.map((summary: { id: string }) => summary.id)).toEqual(['seed-3', 'seed-2']);

      const first = (await api(running, `interactions?${window}&limit=3`)).json;
      expect(first.interactions.map((summary: { id: string }) => summary.id)).toEqual(['seed-7', 'seed-6', 'seed-5']);
      expect(first.nextCursor).toBe('seed-5');
      // A row arriving between two pages shifts nothing.
      await proxy.store.saveInteractions([row('late', at(30))]);
      await proxy.flush();
      const second = (await api(running, `interactions?${window}&limit=3&cursor=${first.nextCursor}`)).json;
      expect(second.interactions.map((summary: { id: string }) => summary.id)).toEqual(['seed-4', 'seed-3', 'seed-2']);
      const last = (await api(running, `interactions?${window}&limit=3&cursor=${second.nextCursor}`)).json;
      expect(last).toMatchObject({ interactions: [{ id: 'seed-1' }, { id: 'seed-0' }], nextCursor: null });
      expect(await ids('after=seed-6')).toEqual(['late', 'seed-7']);
      expect(await ids('after=seed-4&limit=2')).toEqual(['seed-6', 'seed-5']);

      const summary = (await api(running, `interactions?${window}&outcome=rate_limited`)).json.interactions[0];
      expect(summary).toEqual({
        id: 'seed-3', startedAt: at(3), durationMs: 5, provider: 'openai', model: 'gpt-4o-mini', requestedModel: null, operation: 'chat', proxyId: 'default',
        agentId: 'odd', userId: 'u0', sessionId: 's1', executionId: 'e3', outcome: 'rate_limited', status: 429, stream: false,
        refused: true, refusalReason: null, inputTokens: 3, outputTokens: 4, costUsd: 0.01,
      });
      interactionSummary.strict().parse(summary);
      const full = await api(running, 'interactions/seed-3');
      expect(full).toMatchObject({ status: 200, json: { interaction: { id: 'seed-3', requestBody: '{}', responseBody: '{}', decisions: null, refused: true } } });
      expect((await api(running, 'interactions/nope')).status).toBe(404);

      const days = await api(running, `usage?${window}&by=day`);
      expect(days.json.rows).toEqual([expect.objectContaining({ key: '2020-01-01', requests: 9, refusals: 1, inputTokens: 27, outputTokens: 36 })]);
      usageAnswer.strict().parse(days.json);
      const models = await api(running, `usage?${window}&by=model`);
      expect(models.json.rows.map((usage: { key: string; requests: number }) => [usage.key, usage.requests])).toEqual([['gpt-4o-mini', 7], ['gpt-4o', 2]]);
    });

    it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
      const { status, json } = await api(running, 'openapi.json');
      expect(status).toBe(200);
      expect(json.openapi).toBe('3.1.0');
      expect(Object.keys(json.paths)).toEqual(expect.arrayContaining(['/profiles', '/profiles/{id}', '/keys', '/keys/{id}/revoke', '/interactions', '/interactions/{id}', '/usage']));
      const names = json.paths['/interactions'].get.parameters.map((parameter: { name: string }) => parameter.name);
      expect(names).toEqual(expect.arrayContaining(['agentId', 'userId', 'sessionId', 'executionId', 'provider', 'model', 'outcome', 'refused', 'from', 'to', 'limit', 'cursor', 'after']));
      const profileBody = json.paths['/profiles'].post.requestBody.content['application/json'].schema;
      expect(profileBody.required).toContain('id');
      expect(Object.keys(profileBody.properties)).toEqual(expect.arrayContaining(['id', 'description', 'auth', 'policies', 'limits']));
      expect(profileBody.properties).not.toHaveProperty('providers');
      expect(Object.keys(json.components.schemas.InteractionSummary.properties)).toEqual(expect.arrayContaining(['refused', 'refusalReason', 'costUsd', 'startedAt']));
      expect(json.paths['/interactions'].get.responses[200].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/InteractionPage' });
    });
  });
}
