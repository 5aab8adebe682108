/**
 * Virtual keys from the official SDKs: each sends the virtual key where it sends its API key, the
 * upstream sees only the real provider secret, refusals surface as the SDK's own error classes.
 * The OpenAI SDK runs in-process (`createProxyFetch`) and through `nodeProxy` on a real socket;
 * the Anthropic SDK likewise when the Anthropic adapter is registered.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProxyFetch } from '../../src/index.js';
import { providerAdapters } from '../../src/providers/registry.js';
import { ANTHROPIC_SECRET, type AuthFixture, CONFIGURED_KEY, LOCKED_PROFILE, OPENAI_SECRET, fixtureSecrets, startAuthFixture } from '../helpers/auth-fixture.js';
import { auditRows, chatBody } from '../helpers/proxy.js';

let f: AuthFixture;
beforeAll(async () => {
  f = await startAuthFixture();
});
beforeEach(() => f.reset());
afterAll(() => f.close());

const messages = chatBody().messages;

type Way = 'in-process' | 'nodeProxy';
const ways: Way[] = ['in-process', 'nodeProxy'];

function openai(way: Way, apiKey: string, profile?: string): OpenAI {
  if (way === 'in-process') return new OpenAI({ apiKey, baseURL: f.up.baseUrl, maxRetries: 0, fetch: createProxyFetch(f.proxy, profile ? { proxyId: profile } : {}) });
  return new OpenAI({ apiKey, baseURL: `${f.origin}/v1/openai${profile ? `/${profile}` : ''}`, maxRetries: 0 });
}

async function lastRow() {
  return (await auditRows(f.proxy)).at(-1)!;
}

describe.each(ways)('OpenAI SDK with a virtual key (%s)', (way) => {
  it('chat, streamed chat and models.list reach the upstream with the real secret only', async () => {
    const client = openai(way, f.keys.openai.key);
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(completion.choices[0]!.message.content).toBe('Hello from the scripted upstream.');
    let streamed = '';
    for await (const chunk of await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })) streamed += chunk.choices[0]?.delta.content ?? '';
    expect(streamed).toBe('Hello from the scripted upstream.');
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain('gpt-4o-mini');

    expect(f.up.requests.map((request) => request.headers.authorization)).toEqual(Array(3).fill(`Bearer ${OPENAI_SECRET}`));
    expect(JSON.stringify(f.up.requests)).not.toContain(f.keys.openai.key);
    expect(await lastRow()).toMatchObject({ authMethod: 'virtual_key', virtualKeyId: f.keys.openai.id, operation: 'models', status: 200 });
  });

  it('a key without a secret uses the configured key upstream', async () => {
    await openai(way, f.keys.plain.key).chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(f.up.requests[0]!.headers.authorization).toBe(`Bearer ${CONFIGURED_KEY}`);
  });

  it('unknown, revoked, expired and provider keys raise OpenAI.AuthenticationError; the upstream gets nothing', async () => {
    for (const apiKey of [`arch_${'z'.repeat(43)}`, f.keys.revoked.key, f.keys.expired.key, 'sk-proj-not-accepted-here', 'garbage']) {
      const error = await openai(way, apiKey).chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((e: unknown) => e);
      expect(error, apiKey).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((error as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
      expect(String((error as Error).message)).not.toContain(apiKey);
    }
    expect(f.upstreamHits()).toBe(0);
  });

  it('scope: a key for another provider or another profile raises OpenAI.PermissionDeniedError (403); in scope it works', async () => {
    for (const [apiKey, profile] of [[f.keys.anthropic.key, undefined], [f.keys.lockedOnly.key, undefined]] as const) {
      const error = await openai(way, apiKey, profile).models.list().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    }
    expect(f.upstreamHits()).toBe(0);
    const completion = await openai(way, f.keys.lockedOnly.key, LOCKED_PROFILE).chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(completion.choices[0]!.message.content).toBe('Hello from the scripted upstream.');
    expect(f.up.requests[0]!.headers.authorization).toBe(`Bearer ${OPENAI_SECRET}`);
    expect(await lastRow()).toMatchObject({ proxyId: LOCKED_PROFILE, virtualKeyId: f.keys.lockedOnly.id });
  });

  it('revoking a key takes effect on the next call', async () => {
    const issued = await f.proxy.keys.create({ name: `short-lived-${way}`, secrets: { openai: OPENAI_SECRET } });
    const client = openai(way, issued.key);
    await client.models.list();
    expect(await f.proxy.keys.revoke(issued.id)).toBe(true);
    await expect(client.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    expect(f.up.requests).toHaveLength(1);
  });
});

const hasAnthropic = providerAdapters.anthropic !== undefined;

describe.each(ways)('Anthropic SDK with a virtual key (%s)', (way) => {
  function anthropic(apiKey: string): Anthropic {
    if (way === 'in-process') return new Anthropic({ apiKey, baseURL: f.anthropic.url, maxRetries: 0, fetch: createProxyFetch(f.proxy) });
    return new Anthropic({ apiKey, baseURL: `${f.origin}/v1/anthropic`, maxRetries: 0 });
  }
  const create = (client: Anthropic) => client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] });

  it.skipIf(!hasAnthropic)('messages.create reaches the upstream with x-api-key: <real secret>, no Authorization', async () => {
    const message = await create(anthropic(f.keys.anthropic.key));
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'Hello from the Anthropic upstream.' });
    const upstream = f.anthropic.requests[0]!;
    expect(upstream.headers['x-api-key']).toBe(ANTHROPIC_SECRET);
    expect(upstream.headers).not.toHaveProperty('authorization');
    expect(JSON.stringify(upstream)).not.toContain(f.keys.anthropic.key);
    expect(await lastRow()).toMatchObject({ provider: 'anthropic', authMethod: 'virtual_key', virtualKeyId: f.keys.anthropic.id, status: 200 });
  });

  it.skipIf(!hasAnthropic)('refusals are Anthropic.AuthenticationError / PermissionDeniedError; the upstream gets nothing', async () => {
    // Unknown, revoked; and a key whose only secret is OpenAI's (no Anthropic key configured).
    for (const apiKey of [`arch_${'y'.repeat(43)}`, f.keys.revoked.key, f.keys.openai.key, 'sk-ant-api03-client-own-key']) {
      await expect(create(anthropic(apiKey)), apiKey).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    }
    await expect(create(anthropic(f.keys.lockedOnly.key))).rejects.toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(f.upstreamHits()).toBe(0);
  });
});

describe('no secret leaks', () => {
  it('no key or provider secret in any audit row, metric, span or console line', async () => {
    const exposed = await f.exposed();
    expect(exposed.spans).toContain('gpt-4o-mini');
    for (const [name, secret] of Object.entries(fixtureSecrets(f))) {
      for (const [where, text] of Object.entries(exposed)) expect(text.includes(secret), `${name} in ${where}`).toBe(false);
    }
  });
});
