/**
 * Tool scope (issue 15, item 5): at a session's first request with tools, a model call through the
 * proxy picks the tools the user's own words need; later calls to any other tool are refused, even
 * in a clean context. Driven with the real openai and Anthropic SDKs, JSON and stream; the scripted
 * model answers the proxy's scope question by reading the user's request.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { type Proxy, createProxy, createProxyFetch } from '../../src/index.js';
import { clearAnthropicEnv, MODEL as CLAUDE } from '../helpers/anthropic-way-in.js';
import { auditRows } from '../helpers/proxy.js';
import type { RecordedRequest } from '../upstream/scripted-server.js';
import { startAnthropicUpstream } from '../upstream/anthropic.js';
import { startOpenAIUpstream } from '../upstream/openai.js';

const TOOLS = [
  { name: 'read_email', description: 'Read an email by id.' },
  { name: 'send_email', description: 'Send an email.' },
  { name: 'delete_file', description: 'Delete a file from the drive.' },
];
const USER = 'Read my latest email and reply to its sender with a thank-you.';
const SEND = { name: 'send_email', arguments: JSON.stringify({ to: 'ann@corp.test', body: 'Thanks!' }) };
const DELETE = { name: 'delete_file', arguments: JSON.stringify({ path: '/docs/contract.pdf' }) };

const isScopeQuestion = (system: string) => system.includes('which tools an assistant may use');

/** The scripted model's answer to the scope question: the tools whose purpose the request names. */
function scopeAnswer(user: string): string {
  const picked = [...user.matchAll(/^(\d+): (\w+)/gm)].filter(([, , name]) => (name === 'read_email' && /read/i.test(USER)) || (name === 'send_email' && /reply|send/i.test(USER))).map(([, n]) => Number(n));
  return JSON.stringify({ tools: picked });
}

const scopeDecisions = async (proxy: Proxy) => (await auditRows(proxy)).flatMap((row) => row.decisions ?? []).filter((decision) => decision.kind === 'tool_scope');

describe('tool scope, OpenAI Chat Completions', async () => {
  const up = await startOpenAIUpstream();
  let next: { name: string; arguments: string } = SEND;
  let garbled = false;
  up.reply((req: RecordedRequest) => {
    const system = String(req.json?.messages?.[0]?.content ?? '');
    if (isScopeQuestion(system)) return { kind: 'chat', content: garbled ? 'read_email and send_email' : scopeAnswer(String(req.json?.messages?.at(-1)?.content ?? '')) };
    return { kind: 'chat', toolCalls: [{ id: `call_${next.name}`, ...next }] };
  });
  const proxies: Proxy[] = [];
  afterAll(async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await up.close();
  });
  const clientFor = (sessionId: string) => {
    const proxy = createProxy({ providers: { openai: { baseUrl: up.baseUrl } }, policies: { toolScope: { enabled: true }, tools: [{ tool: '*', action: 'allow' }] } });
    proxies.push(proxy);
    return { proxy, client: new OpenAI({ apiKey: 'sk-test', fetch: createProxyFetch(proxy, { sessionId }), maxRetries: 0 }) };
  };
  const tools = TOOLS.map((tool): OpenAI.Chat.ChatCompletionTool => ({ type: 'function', function: { ...tool, parameters: { type: 'object' } } }));
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'system', content: 'You are an email assistant.' }, { role: 'user', content: USER }];

  for (const stream of [false, true]) {
    it(`${stream ? 'stream' : 'JSON'}: a tool the request needs passes; another is refused for the rest of the session, even with every rule allowing it`, async () => {
      const { proxy, client } = clientFor(`scope-${stream}`);
      const ask = async () => {
        if (!stream) return (await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools })).choices[0]!.message;
        return (await client.chat.completions.stream({ model: 'gpt-4o-mini', messages, tools }).finalChatCompletion()).choices[0]!.message;
      };
      next = SEND;
      expect((await ask()).tool_calls?.map((call) => call.type === 'function' && call.function.name)).toEqual(['send_email']);
      next = DELETE;
      const refused = await ask();
      expect(refused.tool_calls ?? []).toEqual([]);
      expect(refused.content).toContain('"delete_file" was blocked: it is not among the tools the user\'s request needs (this session may use "read_email", "send_email")');
      // One scope question for the whole session: the second request recalled it.
      expect(up.requests.filter((req) => isScopeQuestion(String(req.json?.messages?.[0]?.content ?? '')))).toHaveLength(stream ? 2 : 1);
      expect(await scopeDecisions(proxy)).toEqual([
        { kind: 'tool_scope', outcome: 'pinned', tools: ['read_email', 'send_email'] },
        { kind: 'tool_scope', outcome: 'recalled', tools: ['read_email', 'send_email'] },
      ]);
      const rows = await auditRows(proxy);
      expect(rows.flatMap((row) => row.decisions ?? [])).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'tool_call', tool: 'delete_file', action: 'block', ruleId: 'tool_scope' })]));
      expect(rows.flatMap((row) => row.decisions ?? [])).toEqual(expect.arrayContaining([{ kind: 'dual_llm_call', role: 'scope', tool: '*' }]));
    });
  }

  it('fails closed: when the model does not answer with tool numbers, no call of that request passes, and the next request asks again', async () => {
    const { proxy, client } = clientFor('scope-garbled');
    garbled = true;
    next = SEND;
    const refused = (await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools })).choices[0]!.message;
    expect(refused.tool_calls ?? []).toEqual([]);
    expect(refused.content).toContain('none could be determined for this request');
    garbled = false;
    const passed = (await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools })).choices[0]!.message;
    expect(passed.tool_calls?.map((call) => call.type === 'function' && call.function.name)).toEqual(['send_email']);
    expect((await scopeDecisions(proxy)).map((decision) => decision.outcome)).toEqual(['unavailable', 'pinned']);
  });

  it('without a session id the scope does not apply (nothing to pin it to)', async () => {
    const proxy = createProxy({ providers: { openai: { baseUrl: up.baseUrl } }, policies: { toolScope: { enabled: true }, tools: [{ tool: '*', action: 'allow' }] } });
    proxies.push(proxy);
    const client = new OpenAI({ apiKey: 'sk-test', fetch: createProxyFetch(proxy), maxRetries: 0 });
    next = DELETE;
    const message = (await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools })).choices[0]!.message;
    expect(message.tool_calls?.map((call) => call.type === 'function' && call.function.name)).toEqual(['delete_file']);
    expect(await scopeDecisions(proxy)).toEqual([]);
  });
});

describe('tool scope, Anthropic Messages', async () => {
  const restoreEnv = clearAnthropicEnv();
  const up = await startAnthropicUpstream();
  let next: { name: string; input: Record<string, unknown> } = { name: 'send_email', input: JSON.parse(SEND.arguments) };
  up.reply((req: RecordedRequest) => {
    const system = String(req.json?.system ?? '');
    const content = req.json?.messages?.at(-1)?.content;
    const text = typeof content === 'string' ? content : (content ?? []).map((block: { text?: string }) => block.text ?? '').join('');
    if (isScopeQuestion(system)) return { kind: 'message', text: scopeAnswer(text) };
    return { kind: 'message', toolCalls: [{ id: `toolu_${next.name}`, ...next }] };
  });
  const proxy = createProxy({ providers: { anthropic: { baseUrl: up.url } }, policies: { toolScope: { enabled: true } } });
  afterAll(async () => {
    await proxy.close();
    await up.close();
    restoreEnv();
  });
  const client = new Anthropic({ apiKey: 'sk-ant-api03-scope', fetch: createProxyFetch(proxy, { sessionId: 'scope-anthropic' }), maxRetries: 0 });
  const request = { model: CLAUDE, max_tokens: 256, tools: TOOLS.map((tool) => ({ ...tool, input_schema: { type: 'object' as const } })), messages: [{ role: 'user' as const, content: USER }] };

  it('JSON and stream: the needed tool passes, the other is refused in Anthropic\'s own shape', async () => {
    const first = await client.messages.create(request);
    expect(first.content.filter((block) => block.type === 'tool_use').map((block) => block.type === 'tool_use' && block.name)).toEqual(['send_email']);
    next = { name: 'delete_file', input: JSON.parse(DELETE.arguments) };
    const refused = await client.messages.stream(request).finalMessage();
    expect(refused.content.filter((block) => block.type === 'tool_use')).toEqual([]);
    expect(refused.content.map((block) => (block.type === 'text' ? block.text : '')).join('')).toContain('is not among the tools the user\'s request needs');
    expect((await scopeDecisions(proxy)).map((decision) => decision.outcome)).toEqual(['pinned', 'recalled']);
  });
});
