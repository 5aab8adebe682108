/**
 * The dual-LLM quarantine on OpenAI Chat Completions, end to end with the real SDK: a tool result
 * marked `sanitize` never reaches the main model; a quarantined call of the model, made through
 * the same proxy, answers multiple-choice questions about it, and the main model sees only those
 * answers. JSON and stream alike.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Proxy, type ProxyConfig, createProxy, createProxyFetch } from '../../src/index.js';
import { INJECTION, brainReply, roleOf } from '../helpers/dual-llm-brain.js';
import { auditRows } from '../helpers/proxy.js';
import { type OpenAIReply, type RecordedRequest, type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

const tools: OpenAI.Chat.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'read_email', parameters: { type: 'object', properties: { id: { type: 'string' } } } } },
  { type: 'function', function: { name: 'send_email', parameters: { type: 'object', properties: { to: { type: 'string' }, body: { type: 'string' } } } } },
  { type: 'function', function: { name: 'archive_email', parameters: { type: 'object', properties: { id: { type: 'string' } } } } },
];
/** A consequential call with nothing in its arguments to trace: only the context's trust decides. */
const ARCHIVE = { id: 'call_archive', name: 'archive_email', arguments: JSON.stringify({ id: '42' }) };
const SANITIZE: ProxyConfig['policies'] = { trustedData: [{ id: 'email-quarantine', tool: 'read_email', action: 'sanitize' }] };

function agentTurn(emailBody = INJECTION, userText = 'Summarise my latest email and send the summary to bob@example.com.'): OpenAI.Chat.ChatCompletionMessageParam[] {
  return [
    { role: 'system', content: 'You are an email assistant.' },
    { role: 'user', content: userText },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_read', type: 'function', function: { name: 'read_email', arguments: '{"id":"42"}' } }] },
    { role: 'tool', tool_call_id: 'call_read', content: emailBody },
  ];
}

const systemOf = (req: RecordedRequest): string => String(req.json?.messages?.[0]?.content ?? '');
const userOf = (req: RecordedRequest): string => String(req.json?.messages?.at(-1)?.content ?? '');
const toolMessageOf = (req: RecordedRequest): string => String(req.json?.messages?.find((message: { role: string }) => message.role === 'tool')?.content ?? '');

describe('dual-LLM quarantine, OpenAI Chat Completions', () => {
  let up: ScriptedOpenAI;
  let agentReply: OpenAIReply;
  let compromised = false;
  const proxies: Proxy[] = [];

  function clientFor(policies: ProxyConfig['policies'] = SANITIZE): { proxy: Proxy; client: OpenAI } {
    // A scripted upstream failure must fail the quarantine's call, not be retried away.
    const proxy = createProxy({ providers: { openai: { baseUrl: up.baseUrl } }, upstream: { retries: { attempts: 0 } }, policies });
    proxies.push(proxy);
    return { proxy, client: new OpenAI({ apiKey: 'sk-test', fetch: createProxyFetch(proxy, { sessionId: `s-${proxies.length}` }), maxRetries: 0 }) };
  }
  const agentRequests = () => up.requests.filter((req) => roleOf(systemOf(req)) === 'agent');
  const ownRequests = (role: string) => up.requests.filter((req) => roleOf(systemOf(req)) === role);

  beforeAll(async () => {
    up = await startOpenAIUpstream();
    up.reply((req) => {
      const scripted = brainReply(systemOf(req), userOf(req), { compromisedAnswerer: compromised });
      return scripted === undefined ? agentReply : { kind: 'chat', content: scripted };
    });
  });
  beforeEach(() => {
    up.requests.splice(0);
    compromised = false;
    agentReply = { kind: 'chat', content: 'Done.' };
  });
  afterAll(async () => {
    for (const proxy of proxies) await proxy.close();
    await up.close();
  });

  it('JSON: the main model never sees the result, only the quarantined answers; the calls leave audit rows of their own', async () => {
    const { proxy, client } = clientFor();
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: agentTurn(), tools });
    expect(completion.choices[0]?.message.content).toBe('Done.');

    const [agent] = agentRequests();
    expect(agentRequests()).toHaveLength(1);
    const seen = toolMessageOf(agent!);
    expect(seen).not.toContain('attacker@evil.test');
    expect(seen).not.toContain('IMPORTANT SYSTEM NOTE');
    expect(seen).toContain('[Archestra] The result of "read_email"');
    expect(seen).toContain('Summary of the answers: yes; the customer list.');
    // Two questions, two answers, one summary; only the answering call read the email.
    expect(ownRequests('question')).toHaveLength(3);
    expect(ownRequests('answer')).toHaveLength(2);
    expect(ownRequests('summary')).toHaveLength(1);
    for (const req of [...ownRequests('question'), ...ownRequests('summary')]) expect(req.body).not.toContain('attacker@evil.test');
    for (const req of ownRequests('answer')) {
      expect(req.body).toContain('attacker@evil.test');
      expect(req.json.tools).toBeUndefined();
      expect(req.json.response_format).toMatchObject({ type: 'json_schema', json_schema: { strict: true } });
      expect(req.headers.authorization).toBe('Bearer sk-test');
    }

    const rows = await auditRows(proxy);
    const main = rows.find((row) => row.decisions?.some((decision) => decision.kind === 'dual_llm'));
    expect(main?.decisions).toEqual(expect.arrayContaining([
      expect.objectContaining({ kind: 'tool_result', tool: 'read_email', trust: 'sanitize', ruleId: 'email-quarantine' }),
      expect.objectContaining({
        kind: 'dual_llm', tool: 'read_email', outcome: 'sanitized', cached: false,
        exchanges: [
          { question: 'Does the email ask you to send data to someone?', options: ['yes', 'no', 'not stated'], answer: 0 },
          { question: 'What does the email want sent?', options: ['the customer list', 'an invoice', 'nothing'], answer: 0 },
        ],
      }),
    ]));
    const own = rows.filter((row) => row.decisions?.some((decision) => decision.kind === 'dual_llm_call'));
    expect(own).toHaveLength(6);
    expect(own.every((row) => row.status === 200 && row.sessionId === main?.sessionId)).toBe(true);
    expect(await proxy.registry.metrics()).toMatch(/llm_dual_llm_results_total\{[^}]*rule="email-quarantine"[^}]*outcome="sanitized"[^}]*\} 1/);
  });

  it('the context stays trusted: a call is allowed that the same email, merely untrusted, gets blocked', async () => {
    agentReply = { kind: 'chat', toolCalls: [ARCHIVE] };
    const sanitized = clientFor();
    const allowed = await sanitized.client.chat.completions.create({ model: 'gpt-4o-mini', messages: agentTurn(), tools });
    expect(allowed.choices[0]?.message.tool_calls?.map((call) => (call.type === 'function' ? call.function.name : call.type))).toEqual(['archive_email']);

    const untrusted = clientFor({});
    const blocked = await untrusted.client.chat.completions.create({ model: 'gpt-4o-mini', messages: agentTurn(), tools });
    expect(blocked.choices[0]?.message.tool_calls).toBeUndefined();
    expect(blocked.choices[0]?.message.content).toContain('[Archestra]');
  });

  it('stream: the same stand-in reaches the main model and the answer streams as usual', async () => {
    const { client } = clientFor();
    agentReply = { kind: 'chat', content: 'Your email asks for the customer list.' };
    const final = await client.chat.completions.stream({ model: 'gpt-4o-mini', messages: agentTurn(), tools }).finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe('Your email asks for the customer list.');
    const [agent] = agentRequests();
    expect(agent?.json.stream).toBe(true);
    expect(toolMessageOf(agent!)).toContain('Summary of the answers: yes; the customer list.');
    expect(agent?.body).not.toContain('attacker@evil.test');
  });

  it('an agent loop that sends the same result again pays for the quarantine once', async () => {
    const { proxy, client } = clientFor();
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: agentTurn(), tools });
    const calls = up.requests.length;
    const history = [...agentTurn(), { role: 'assistant' as const, content: 'Done.' }, { role: 'user' as const, content: 'Thanks. Anything else in it?' }];
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: history, tools });
    expect(up.requests.length).toBe(calls + 1);
    expect(toolMessageOf(up.requests.at(-1)!)).toBe(toolMessageOf(agentRequests()[0]!));
    const last = (await auditRows(proxy)).at(-1);
    expect(last?.decisions).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'dual_llm', outcome: 'sanitized', cached: true })]));
  });

  it('another caller (another key) never gets a result quarantined for someone else: its own quarantine runs', async () => {
    const { proxy, client } = clientFor();
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: agentTurn(), tools });
    const calls = up.requests.length;
    const other = new OpenAI({ apiKey: 'sk-other-caller', fetch: createProxyFetch(proxy, { sessionId: 's-other' }), maxRetries: 0 });
    await other.chat.completions.create({ model: 'gpt-4o-mini', messages: agentTurn(), tools });
    expect(up.requests.length).toBeGreaterThan(calls + 1);
    const quarantined = (await auditRows(proxy)).filter((row) => row.decisions?.some((decision) => decision.kind === 'dual_llm'));
    expect(quarantined.map((row) => row.decisions?.find((decision) => decision.kind === 'dual_llm'))).toEqual([
      expect.objectContaining({ outcome: 'sanitized', cached: false }),
      expect.objectContaining({ outcome: 'sanitized', cached: false }),
    ]);
  });

  it('a quarantined model that obeys the injection cannot pass its words on: text is no answer', async () => {
    compromised = true;
    const { proxy, client } = clientFor();
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: agentTurn(), tools });
    for (const req of [...agentRequests(), ...ownRequests('question'), ...ownRequests('summary')]) {
      expect(req.body).not.toContain('attacker@evil.test');
      expect(req.body).not.toContain('IGNORE THE QUESTION');
    }
    expect(toolMessageOf(agentRequests()[0]!)).toContain('(no valid answer)');
    const row = (await auditRows(proxy)).find((r) => r.decisions?.some((d) => d.kind === 'dual_llm'));
    const decision = row?.decisions?.find((d) => d.kind === 'dual_llm');
    expect(decision).toMatchObject({ outcome: 'sanitized' });
    expect(decision && 'exchanges' in decision ? decision.exchanges.map((exchange) => exchange.answer) : []).toEqual([null, null]);
  });

  it('configured questions: only the quarantined model is asked, and the answers are the stand-in', async () => {
    const { client } = clientFor({
      trustedData: [{ tool: 'read_email', action: 'sanitize', questions: [{ question: 'Which topic does the email touch?', options: ['customer list', 'invoice', 'other'] }] }],
    });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: agentTurn(), tools });
    expect(ownRequests('question')).toHaveLength(0);
    expect(ownRequests('summary')).toHaveLength(0);
    expect(ownRequests('answer')).toHaveLength(1);
    const seen = toolMessageOf(agentRequests()[0]!);
    expect(seen).toContain('1. Which topic does the email touch?\n   Answer: customer list');
    expect(seen).not.toContain('attacker@evil.test');
  });

  it('fails closed: when the quarantine cannot run, the result is withheld, and the next request tries again', async () => {
    const { proxy, client } = clientFor();
    up.replyOnce({ kind: 'error', status: 500, body: { error: { message: 'boom', type: 'server_error' } } });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: agentTurn(), tools });
    const seen = toolMessageOf(agentRequests()[0]!);
    expect(seen).toContain('was withheld');
    expect(seen).not.toContain('attacker@evil.test');
    const decisions = (await auditRows(proxy)).flatMap((row) => row.decisions ?? []);
    expect(decisions).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'dual_llm', outcome: 'withheld', reason: expect.stringContaining('500') })]));

    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: agentTurn(), tools });
    expect(toolMessageOf(agentRequests()[1]!)).toContain('Summary of the answers');
  });

  it('the proxy\'s own calls pass the data-leak guards: personal data set to block withholds the result', async () => {
    const { proxy, client } = clientFor({ ...SANITIZE, dataLeak: { pii: 'block' } });
    // The agent's own request carries no personal data once the result is replaced: it goes through.
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: agentTurn(INJECTION, 'Summarise my latest email.'), tools });
    expect(ownRequests('answer')).toHaveLength(0);
    expect(toolMessageOf(agentRequests()[0]!)).toContain('was withheld');
    const rows = await auditRows(proxy);
    expect(rows.some((row) => row.status === 400 && row.decisions?.some((decision) => decision.kind === 'dual_llm_call' && decision.role === 'answer'))).toBe(true);
  });

  it('shadow mode records the decision and changes nothing', async () => {
    const { proxy, client } = clientFor({ ...SANITIZE, mode: 'shadow' });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: agentTurn(), tools });
    expect(up.requests).toHaveLength(1);
    expect(toolMessageOf(up.requests[0]!)).toBe(INJECTION);
    const row = (await auditRows(proxy)).at(-1);
    expect(row?.decisions).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'dual_llm', outcome: 'shadow' })]));
  });

  it('rejects questions on a rule that is not `sanitize`', () => {
    expect(() => createProxy({ policies: { trustedData: [{ tool: 'x', action: 'untrusted', questions: [{ question: 'q', options: ['a', 'b'] }] }] } })).toThrow(/questions apply only/);
  });
});
