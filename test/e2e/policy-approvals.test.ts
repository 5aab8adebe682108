/**
 * Human approval (`require_approval`) in every wire format, JSON and stream, with each real SDK:
 * the call is held and the client is told the approval's id; the approval is listed by the admin
 * API and approved there; the identical call in the same session then passes once, and a third
 * is held again. A call with other arguments, or from another session, is not covered; a denied
 * approval keeps its call refused and says by whom.
 */
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { type Proxy, type ProxyConfig, createProxyFetch } from '../../src/index.js';
import { clearAnthropicEnv, MODEL as CLAUDE } from '../helpers/anthropic-way-in.js';
import { clearGeminiEnv } from '../helpers/gemini-way-in.js';
import { ADMIN_TOKEN, admin, heldId, type Seen } from '../helpers/approvals.js';
import { auditRows, suiteProxies } from '../helpers/proxy.js';
import { startAnthropicUpstream } from '../upstream/anthropic.js';
import { startGeminiUpstream } from '../upstream/gemini.js';
import { startOllamaUpstream } from '../upstream/ollama.js';
import { startOpenAIUpstream } from '../upstream/openai.js';

const policies: ProxyConfig['policies'] = { tools: [{ id: 'ask-first', tool: 'send_email', action: 'require_approval' }, { tool: '*', action: 'allow' }] };
const TO_BOSS = { to: 'boss@corp.test', body: 'the report' };
const TO_TEAM = { to: 'team@corp.test', body: 'the report' };

type Args = Record<string, string>;

/** One wire format: scripts the upstream to call `send_email` with `args`, and makes the call through the SDK. */
interface Driver {
  script(args: Args): void;
  call(sessionId: string, stream: boolean): Promise<Seen>;
}

/** The whole approval story, for one format and one mode. */
function approvalStory(name: string, start: () => Promise<{ proxy: Proxy; driver: Driver }>) {
  describe.each([false, true])(`${name} (stream: %s)`, async (stream) => {
    const { proxy, driver } = await start();
    const session = `s-${name.replace(/[^A-Za-z0-9]+/g, "-")}-${stream}`;
    const other = `${session}-other`;

    it('held, listed, approved, passes once, then held again; other arguments and other sessions are not covered', async () => {
      driver.script(TO_BOSS);
      const first = heldId(await driver.call(session, stream));
      expect(first).toMatch(/^apr_/);
      // The same call while it waits: the same approval, not a new one.
      expect(heldId(await driver.call(session, stream))).toBe(first);

      const pending = await admin(proxy, 'approvals?state=pending');
      expect(pending.status).toBe(200);
      expect(pending.json.approvals).toEqual([expect.objectContaining({
        id: first, tool: 'send_email', state: 'pending', scope: `session:${session}`, ruleId: 'ask-first', arguments: JSON.stringify({ body: 'the report', to: 'boss@corp.test' }),
      })]);
      expect(pending.json.approvals[0]).not.toHaveProperty('key');
      const approved = await admin(proxy, `approvals/${first}/approve`, { method: 'POST', body: { by: 'alice', note: 'fine' } });
      expect(approved).toMatchObject({ status: 200, json: { approval: { id: first, state: 'approved', decidedBy: 'alice', note: 'fine' } } });

      // Other arguments, another session: not covered by the approval.
      driver.script(TO_TEAM);
      const team = heldId(await driver.call(session, stream));
      expect(team).not.toBe(first);
      driver.script(TO_BOSS);
      const elsewhere = heldId(await driver.call(other, stream));
      expect(elsewhere).not.toBe(first);

      // The approved call passes, once.
      const passed = await driver.call(session, stream);
      expect(passed.calls).toEqual([{ name: 'send_email', args: TO_BOSS }]);
      expect(passed.text).not.toContain('[Archestra]');
      const row = (await auditRows(proxy)).at(-1);
      expect(row?.decisions).toEqual(expect.arrayContaining([
        expect.objectContaining({ kind: 'tool_call', tool: 'send_email', action: 'allow', ruleId: 'ask-first', approval: { id: first, state: 'approved', decidedBy: 'alice' } }),
      ]));
      const again = heldId(await driver.call(session, stream));
      expect(again).not.toBe(first);
      expect((await admin(proxy, 'approvals?state=used')).json.approvals.map((approval: { id: string }) => approval.id)).toEqual([first]);

      // Denied: the call stays refused and says by whom; the decision cannot be taken again.
      expect((await admin(proxy, `approvals/${team}/deny`, { method: 'POST', body: { by: 'bob', note: 'not the team' } })).status).toBe(200);
      driver.script(TO_TEAM);
      const denied = await driver.call(session, stream);
      expect(denied.calls).toEqual([]);
      expect(denied.text).toContain(`was denied by bob (${team}): not the team`);
      expect((await auditRows(proxy)).at(-1)?.decisions).toEqual(expect.arrayContaining([
        expect.objectContaining({ kind: 'tool_call', action: 'require_approval', approval: { id: team, state: 'denied', decidedBy: 'bob' } }),
      ]));
      expect((await admin(proxy, `approvals/${team}/approve`, { method: 'POST' })).status).toBe(409);
    });
  });
}

function proxyWith(proxies: ReturnType<typeof suiteProxies>, providers: ProxyConfig['providers']): Proxy {
  return proxies.create({ providers, policies, admin: { token: ADMIN_TOKEN } });
}

/** A client per session, each sending its session id. */
function perSession<T>(make: (sessionId: string) => T): (sessionId: string) => T {
  const made = new Map<string, T>();
  return (sessionId) => {
    if (!made.has(sessionId)) made.set(sessionId, make(sessionId));
    return made.get(sessionId)!;
  };
}

const ask = 'Send the report to my boss.';

approvalStory('OpenAI Chat Completions', async () => {
  const up = await startOpenAIUpstream();
  const proxy = proxyWith(suiteProxies(() => up.close()), { openai: { baseUrl: up.baseUrl } });
  const client = perSession((sessionId) => new OpenAI({ apiKey: 'sk-test', fetch: createProxyFetch(proxy, { sessionId }), maxRetries: 0 }));
  const tools: OpenAI.Chat.ChatCompletionTool[] = [{ type: 'function', function: { name: 'send_email', parameters: { type: 'object', properties: {} } } }];
  const body = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: ask }], tools };
  return {
    proxy,
    driver: {
      script: (args) => up.reply({ kind: 'chat', toolCalls: [{ id: 'call_send', name: 'send_email', arguments: JSON.stringify(args) }] }),
      async call(sessionId, stream) {
        const completion = stream ? await client(sessionId).chat.completions.stream(body).finalChatCompletion() : await client(sessionId).chat.completions.create(body);
        const message = completion.choices[0]!.message;
        return { calls: (message.tool_calls ?? []).map((call) => ({ name: call.type === 'function' ? call.function.name : '', args: JSON.parse(call.type === 'function' ? call.function.arguments : '{}') })), text: message.content ?? '' };
      },
    },
  };
});

approvalStory('OpenAI Responses', async () => {
  const up = await startOpenAIUpstream();
  const proxy = proxyWith(suiteProxies(() => up.close()), { openai: { baseUrl: up.baseUrl } });
  const client = perSession((sessionId) => new OpenAI({ apiKey: 'sk-test', fetch: createProxyFetch(proxy, { sessionId }), maxRetries: 0 }));
  const body = { model: 'gpt-4o-mini', input: ask, tools: [{ type: 'function' as const, name: 'send_email', parameters: { type: 'object', properties: {} }, strict: false }] };
  return {
    proxy,
    driver: {
      script: (args) => up.reply({ kind: 'responses', toolCalls: [{ id: 'call_send', name: 'send_email', arguments: JSON.stringify(args) }] }),
      async call(sessionId, stream) {
        const response = stream ? await client(sessionId).responses.stream(body).finalResponse() : await client(sessionId).responses.create(body);
        const calls = response.output.flatMap((item) => (item.type === 'function_call' ? [{ name: item.name, args: JSON.parse(item.arguments) as Args }] : []));
        return { calls, text: response.output_text };
      },
    },
  };
});

approvalStory('Anthropic Messages', async () => {
  const restoreEnv = clearAnthropicEnv();
  const up = await startAnthropicUpstream();
  const proxy = proxyWith(suiteProxies(() => up.close(), restoreEnv), { anthropic: { baseUrl: up.url } });
  const client = perSession((sessionId) => new Anthropic({ apiKey: 'sk-ant-api03-approvals', fetch: createProxyFetch(proxy, { sessionId }), maxRetries: 0 }));
  const request: Anthropic.MessageCreateParamsNonStreaming = { model: CLAUDE, max_tokens: 256, tools: [{ name: 'send_email', input_schema: { type: 'object' } }], messages: [{ role: 'user', content: ask }] };
  return {
    proxy,
    driver: {
      script: (args) => up.reply({ kind: 'message', toolCalls: [{ id: 'toolu_send', name: 'send_email', input: args }] }),
      async call(sessionId, stream) {
        const message = stream ? await client(sessionId).messages.stream(request).finalMessage() : await client(sessionId).messages.create(request);
        return {
          calls: message.content.flatMap((block) => (block.type === 'tool_use' ? [{ name: block.name, args: block.input as Args }] : [])),
          text: message.content.map((block) => (block.type === 'text' ? block.text : '')).join(''),
        };
      },
    },
  };
});

approvalStory('Gemini generateContent', async () => {
  const restoreEnv = clearGeminiEnv();
  const up = await startGeminiUpstream();
  const proxy = proxyWith(suiteProxies(() => up.close(), restoreEnv), { gemini: { baseUrl: up.url } });
  const client = perSession((sessionId) => new GoogleGenAI({ apiKey: 'AIzaSyApprovalsTestKey-000', httpOptions: { fetch: createProxyFetch(proxy, { sessionId }) } }));
  const request = { model: 'gemini-2.5-flash', contents: [{ role: 'user', parts: [{ text: ask }] }], config: { tools: [{ functionDeclarations: [{ name: 'send_email' }] }] } };
  return {
    proxy,
    driver: {
      script: (args) => up.reply({ kind: 'generate', functionCalls: [{ id: 'call_send', name: 'send_email', args }] }),
      async call(sessionId, stream) {
        const seen: Seen = { calls: [], text: '' };
        const chunks = stream ? await client(sessionId).models.generateContentStream(request) : [await client(sessionId).models.generateContent(request)];
        for await (const chunk of chunks) {
          seen.calls.push(...(chunk.functionCalls ?? []).map((call) => ({ name: call.name ?? '', args: call.args as Args })));
          seen.text += chunk.text ?? '';
        }
        return seen;
      },
    },
  };
});

approvalStory('Ollama /api/chat', async () => {
  const up = await startOllamaUpstream();
  const proxy = proxyWith(suiteProxies(() => up.close()), { ollama: { baseUrl: up.url } });
  const client = perSession((sessionId) => new Ollama({ host: up.url, fetch: createProxyFetch(proxy, { sessionId }) }));
  const request = { model: 'llama3.1:8b', messages: [{ role: 'user', content: ask }], tools: [{ type: 'function', function: { name: 'send_email', parameters: { type: 'object', properties: {} } } }] };
  return {
    proxy,
    driver: {
      script: (args) => up.reply({ kind: 'answer', toolCalls: [{ id: 'call_send', name: 'send_email', arguments: args }] }),
      async call(sessionId, stream) {
        const seen: Seen = { calls: [], text: '' };
        const parts = stream ? await client(sessionId).chat({ ...request, stream: true }) : [await client(sessionId).chat({ ...request, stream: false })];
        for await (const part of parts) {
          seen.calls.push(...(part.message.tool_calls ?? []).map((call) => ({ name: call.function.name, args: call.function.arguments as Args })));
          seen.text += part.message.content;
        }
        return seen;
      },
    },
  };
});

describe('approvals: what an approval covers, shadow mode, the pending bound (OpenAI Chat Completions)', async () => {
  const up = await startOpenAIUpstream();
  const proxies = suiteProxies(() => up.close());
  const tools: OpenAI.Chat.ChatCompletionTool[] = [{ type: 'function', function: { name: 'send_email', parameters: { type: 'object', properties: {} } } }];
  const body = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: ask }], tools };
  const script = (args: string) => up.reply({ kind: 'chat', toolCalls: [{ id: 'call_send', name: 'send_email', arguments: args }] });
  async function send(proxy: Proxy, context: { sessionId?: string; agentId?: string }): Promise<Seen> {
    const client = new OpenAI({ apiKey: 'sk-test', fetch: createProxyFetch(proxy, context), maxRetries: 0 });
    const message = (await client.chat.completions.create(body)).choices[0]!.message;
    return { calls: (message.tool_calls ?? []).map((call) => ({ name: call.type === 'function' ? call.function.name : '', args: {} })), text: message.content ?? '' };
  }

  it('the same arguments in another key order and spacing are the same call; without a session, the agent is the scope', async () => {
    const proxy = proxyWith(proxies, { openai: { baseUrl: up.baseUrl } });
    script('{"to":"boss@corp.test","body":"the report"}');
    const id = heldId(await send(proxy, { agentId: 'mailer' }));
    expect((await admin(proxy, 'approvals')).json.approvals[0]).toMatchObject({ id, scope: 'agent:mailer' });
    expect((await admin(proxy, `approvals/${id}/approve`, { method: 'POST' })).status).toBe(200);
    script('{ "body": "the report",\n  "to": "boss@corp.test" }');
    // Another agent's identical call is not covered; the agent's own is, once.
    heldId(await send(proxy, { agentId: 'other-bot' }));
    expect((await send(proxy, { agentId: 'mailer' })).calls).toEqual([{ name: 'send_email', args: {} }]);
    heldId(await send(proxy, { agentId: 'mailer' }));
  });

  it('shadow mode: the call goes out, the decision says require_approval, no approval is made', async () => {
    const proxy = proxies.create({ providers: { openai: { baseUrl: up.baseUrl } }, policies: { ...policies, mode: 'shadow' }, admin: { token: ADMIN_TOKEN } });
    script(JSON.stringify(TO_BOSS));
    expect((await send(proxy, { sessionId: 'shadow' })).calls).toHaveLength(1);
    const decision = (await auditRows(proxy)).at(-1)?.decisions?.find((found) => found.kind === 'tool_call');
    expect(decision).toMatchObject({ action: 'require_approval', ruleId: 'ask-first' });
    expect(decision).not.toHaveProperty('approval');
    expect((await admin(proxy, 'approvals')).json.approvals).toEqual([]);
  });

  it('beyond policies.approvals.maxPending the oldest pending approval expires, and is counted', async () => {
    const proxy = proxies.create({ providers: { openai: { baseUrl: up.baseUrl } }, policies: { ...policies, approvals: { maxPending: 1 } }, admin: { token: ADMIN_TOKEN } });
    script(JSON.stringify(TO_BOSS));
    const first = heldId(await send(proxy, { sessionId: 'bound' }));
    script(JSON.stringify(TO_TEAM));
    const second = heldId(await send(proxy, { sessionId: 'bound' }));
    const listed = (await admin(proxy, 'approvals')).json.approvals.map((approval: { id: string; state: string; decidedBy: string }) => [approval.id, approval.state, approval.decidedBy]);
    expect(listed).toEqual([[second, 'pending', null], [first, 'expired', 'limit']]);
    expect((await admin(proxy, `approvals/${first}/approve`, { method: 'POST' })).status).toBe(409);
    const metrics = await proxy.registry.metrics();
    expect(metrics).toContain('llm_tool_approvals_total{event="evicted"} 1');
    expect(metrics).toContain('llm_tool_approvals_total{event="held"} 2');
  });
});
