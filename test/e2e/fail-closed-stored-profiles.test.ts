/**
 * The fail-closed matrix, for the way in that profiles created at run time add (`Store.profiles`,
 * the admin API): a stored profile is served with its own policies, never with another's; one
 * that no longer validates is not served at all (404), never with the default profile's
 * policies; one deleted or created by another process sharing the SQLite file stops or starts
 * being served within `admin.profileRefreshMs`; and the configuration's profile wins over a
 * stored one of the same id. Real SQLite file, real openai SDK, scripted upstream.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createProxy, createProxyFetch, type Proxy } from '../../src/index.js';
import { createSqliteStore } from '../../src/store/sqlite-store.js';
import type { ProfileRecord } from '../../src/types.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

const TOKEN = 'admin-token-0123456789abcdef';
const SEND = { id: 'call_send', name: 'send_email', arguments: JSON.stringify({ to: 'someone@example.test' }) };
const tools: OpenAI.Chat.ChatCompletionTool[] = [{ type: 'function', function: { name: 'send_email', parameters: { type: 'object', properties: { to: { type: 'string' } } } } }];
const BLOCK_SEND = { policies: { tools: [{ id: 'no-send', tool: 'send_email', action: 'block' as const }] } };

function record(id: string, config: Record<string, unknown>): ProfileRecord {
  const now = new Date().toISOString();
  return { id, description: null, config, createdAt: now, updatedAt: now };
}

describe('fail closed: profiles created at run time', () => {
  let up: ScriptedOpenAI;
  let dir: string;
  let file: string;
  let serving: Proxy;
  let other: ReturnType<typeof createSqliteStore>;
  const printed: string[] = [];

  beforeAll(async () => {
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' ')));
    up = await startOpenAIUpstream();
    dir = mkdtempSync(join(tmpdir(), 'fail-closed-profiles-'));
    file = join(dir, 'proxy.db');
    // Another process's view of the same file: it writes profiles behind the serving proxy's back.
    other = createSqliteStore(file, { writerThread: false });
    serving = createProxy({
      providers: { openai: { baseUrl: up.baseUrl, apiKey: 'sk-configured' } },
      store: file,
      admin: { token: TOKEN, profileRefreshMs: 0 },
      profiles: { pinned: BLOCK_SEND },
    });
    up.reply({ kind: 'chat', toolCalls: [SEND] });
  });
  afterAll(async () => {
    await serving.close();
    await other.close();
    await up.close();
    rmSync(dir, { recursive: true, force: true });
    vi.restoreAllMocks();
  });

  const client = (proxyId: string) => new OpenAI({ apiKey: 'sk-test', baseURL: proxyId === 'default' ? 'http://proxy/openai' : `http://proxy/openai/${proxyId}`, maxRetries: 0, fetch: (input, init) => serving.handle(new Request(input as string, init as RequestInit)) });
  const ask = (proxyId: string) => client(proxyId).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'mail Bob' }], tools });
  const calls = (completion: OpenAI.Chat.ChatCompletion) => completion.choices[0]?.message.tool_calls?.length ?? 0;

  it('a profile another process stored is served with its own policies; deleted there, it is no longer served', async () => {
    await other.profiles.createProfile(record('remote', BLOCK_SEND));
    const refused = await ask('remote');
    expect(calls(refused)).toBe(0);
    expect(refused.choices[0]?.message.content).toContain('send_email');
    await other.profiles.deleteProfile('remote');
    await expect(ask('remote')).rejects.toMatchObject({ status: 404 });
  });

  it('a stored profile that no longer validates is not served (404), never with the default policies, and is reported', async () => {
    await other.profiles.createProfile(record('broken', { policies: { tools: 'all of them' } }));
    await expect(ask('broken')).rejects.toMatchObject({ status: 404 });
    expect(printed.join('\n')).toContain('stored profile "broken" is not valid');
    // The default profile, which would let the call through, is not what served it.
    expect(calls(await ask('default'))).toBe(1);
  });

  it('a valid stored profile changed into an invalid one stops being served', async () => {
    await other.profiles.createProfile(record('drifts', BLOCK_SEND));
    expect(calls(await ask('drifts'))).toBe(0);
    await other.profiles.updateProfile('drifts', { description: null, config: { limits: { rate: 'lots' } }, updatedAt: new Date(Date.now() + 1).toISOString() });
    await expect(ask('drifts')).rejects.toMatchObject({ status: 404 });
  });

  it('the configuration wins over a stored profile of the same id: a stored "pinned" that allows everything changes nothing', async () => {
    await other.profiles.createProfile(record('pinned', {}));
    expect(calls(await ask('pinned'))).toBe(0);
    const listed = await (await serving.handle(new Request('http://proxy/admin/api/profiles', { headers: { authorization: `Bearer ${TOKEN}` } }))).json() as { profiles: { id: string; source: string }[] };
    expect(listed.profiles.filter((profile) => profile.id === 'pinned')).toEqual([expect.objectContaining({ source: 'config' })]);
  });

  it('in-process (createProxyFetch with proxyId) a stored profile is served too, and an unknown one refused', async () => {
    await other.profiles.createProfile(record('inproc', BLOCK_SEND));
    const inProcess = (proxyId: string) => new OpenAI({ apiKey: 'sk-test', baseURL: up.baseUrl, maxRetries: 0, fetch: createProxyFetch(serving, { proxyId }) });
    expect(calls(await inProcess('inproc').chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'mail Bob' }], tools }))).toBe(0);
    await other.profiles.deleteProfile('inproc');
    await expect(inProcess('inproc').chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 404 });
  });
});
