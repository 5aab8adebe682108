import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicKey, awsAccessKey, openaiKey, seeded } from '../../src/policy/data-leak/__fixtures__/values.js';
import { type Proxy, type ProxyConfig, createProxy, createProxyFetch } from '../../src/index.js';
import { auditRows } from '../helpers/proxy.js';
import { type ScriptedAnthropic, startAnthropicUpstream } from '../upstream/anthropic.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

/** Keys are built at run time, so no secret-looking literal sits in the repository. */
const random = seeded(7);
const OPENAI_KEY = openaiKey(random);
const AWS_KEY = awsAccessKey(random);
const ANTHROPIC_KEY = anthropicKey(random);

describe('data-leak guards', () => {
  let up: ScriptedOpenAI;
  let upAnthropic: ScriptedAnthropic;
  const proxies: Proxy[] = [];

  function openai(config: ProxyConfig = {}): { proxy: Proxy; client: OpenAI } {
    const proxy = createProxy({ providers: { openai: { baseUrl: up.baseUrl }, anthropic: { baseUrl: upAnthropic.url } }, ...config });
    proxies.push(proxy);
    return { proxy, client: new OpenAI({ apiKey: 'sk-test', fetch: createProxyFetch(proxy), maxRetries: 0 }) };
  }

  beforeAll(async () => {
    up = await startOpenAIUpstream();
    upAnthropic = await startAnthropicUpstream();
  });
  afterAll(async () => {
    for (const proxy of proxies) await proxy.close();
    await up.close();
    await upAnthropic.close();
  });

  it('X1 (request, default): a key pasted into a prompt is redacted before it leaves, and not kept in the audit row', async () => {
    const { proxy, client } = openai();
    up.reply({ kind: 'chat', content: 'ok' });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `deploy with ${OPENAI_KEY} please` }] });
    const sent = up.requests.at(-1)!;
    expect(sent.body).not.toContain(OPENAI_KEY);
    expect(sent.json.messages[0].content).toBe('deploy with [REDACTED:openai_key] please');
    const [row] = await auditRows(proxy);
    expect(JSON.stringify(row)).not.toContain(OPENAI_KEY);
    expect(row?.decisions).toEqual([{ kind: 'data_leak', direction: 'request', detector: 'openai_key', path: '$.messages[0].content', action: 'redact' }]);
    expect(await proxy.registry.metrics()).toMatch(/llm_data_leak_findings_total\{[^}]*rule="openai_key",action="redact",direction="request"\} 1/);
  });

  it('X1 (request, block): the request is refused with a non-retryable 400 and the upstream never sees it (stream too)', async () => {
    const { proxy, client } = openai({ policies: { dataLeak: { secrets: 'block' } } });
    const before = up.requests.length;
    for (const stream of [false, true]) {
      const error = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `key: ${AWS_KEY}` }], stream }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get('x-should-retry')).toBe('false');
      expect((error as Error).message).toContain('aws_access_key');
      expect((error as Error).message).not.toContain(AWS_KEY);
    }
    expect(up.requests.length).toBe(before);
    expect(JSON.stringify(await auditRows(proxy))).not.toContain(AWS_KEY);
  });

  it('X1/X6 (answer): a secret in a JSON answer, text or tool-call arguments, is redacted and the JSON stays valid', async () => {
    const { proxy, client } = openai({ policies: { mode: 'enforce', tools: [{ tool: '*', action: 'allow' }] } });
    up.reply({ kind: 'chat', content: `Your key is ${OPENAI_KEY}.`, toolCalls: [{ id: 'c1', name: 'store', arguments: JSON.stringify({ value: AWS_KEY }) }] });
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'what is my key' }], tools: [{ type: 'function', function: { name: 'store', parameters: { type: 'object' } } }] });
    const message = completion.choices[0]!.message;
    expect(message.content).toBe('Your key is [REDACTED:openai_key].');
    const call = message.tool_calls?.[0];
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ value: '[REDACTED:aws_access_key]' });
    expect(JSON.stringify(await auditRows(proxy))).not.toContain(AWS_KEY);
  });

  it('PII is off by default and redacted or blocked when asked (X3/X4: only checksummed numbers)', async () => {
    const { client: plain } = openai();
    up.reply({ kind: 'chat', content: 'ok' });
    const text = 'card 4111 1111 1111 1111, not 4111 1111 1111 1112; IBAN GB82 WEST 1234 5698 7654 32; mail ann@corp.test';
    await plain.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] });
    expect(up.requests.at(-1)!.json.messages[0].content).toBe(text);

    const { client: careful } = openai({ policies: { dataLeak: { pii: 'redact' } } });
    await careful.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] });
    expect(up.requests.at(-1)!.json.messages[0].content).toBe('card [REDACTED:credit_card], not 4111 1111 1111 1112; IBAN [REDACTED:iban]; mail [REDACTED:email]');
  });

  it('shadow mode records the findings and sends the request unchanged', async () => {
    const { proxy, client } = openai({ policies: { mode: 'shadow' } });
    up.reply({ kind: 'chat', content: 'ok' });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `deploy with ${OPENAI_KEY}` }] });
    expect(up.requests.at(-1)!.json.messages[0].content).toContain(OPENAI_KEY);
    const [row] = await auditRows(proxy);
    expect(row?.decisions?.[0]).toMatchObject({ kind: 'data_leak', detector: 'openai_key' });
    expect(JSON.stringify(row)).not.toContain(OPENAI_KEY);
  });

  it('every format: an Anthropic request with a key in a tool result is redacted too', async () => {
    const { proxy } = openai();
    const anthropic = new Anthropic({ apiKey: 'sk-ant-test', fetch: createProxyFetch(proxy), baseURL: upAnthropic.url, maxRetries: 0 });
    await anthropic.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 64,
      messages: [
        { role: 'user', content: 'read the config' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'tu_1', name: 'read_file', input: { path: '.env' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu_1', content: `ANTHROPIC_API_KEY=${ANTHROPIC_KEY}` }] },
      ],
    });
    const sent = upAnthropic.requests.at(-1)!;
    expect(sent.body).not.toContain(ANTHROPIC_KEY);
    expect(sent.body).toContain('[REDACTED:anthropic_key]');
  });
});
