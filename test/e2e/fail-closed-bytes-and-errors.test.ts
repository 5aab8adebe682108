/**
 * F7 and F8 of the fail-closed matrix: a request body is judged on the bytes the upstream reads
 * (invalid UTF-8 is refused, so an invalid byte cannot hide a key from the guard), and an upstream
 * error body that quotes the key it received never hands that key to the client or the audit row
 * (for a virtual-key client, the sealed provider secret never leaves the proxy).
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AuthFixture, CONFIGURED_KEY, OPENAI_SECRET, startAuthFixture } from '../helpers/auth-fixture.js';
import { completionBody, openAIError } from '../upstream/openai-wire.js';

let fx: AuthFixture;
const client = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${fx.origin}/v1/openai`, maxRetries: 0 });
const ask = (apiKey: string) => client(apiKey).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });

beforeAll(async () => {
  // Error bodies must reach the scrubber as they came: no retries (those are upstream-retries.test.ts).
  fx = await startAuthFixture({ upstream: { retries: { attempts: 0 } } });
});
afterAll(() => fx.close());
beforeEach(() => fx.reset());

describe('F8: upstream error bodies pass the guards', () => {
  it.each([
    ['a virtual key standing for a sealed provider secret', () => fx.keys.openai.key, OPENAI_SECRET],
    ['a virtual key using the configured provider key', () => fx.keys.plain.key, CONFIGURED_KEY],
  ])('%s: an upstream 401 quoting the key it got reaches the client as a 401 without it', async (_, key, upstreamKey) => {
    fx.up.reply({ kind: 'error', status: 401, body: openAIError(`Incorrect API key provided: ${upstreamKey}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', 'invalid_api_key') });
    const error = await ask(key()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(fx.up.requests.at(-1)?.headers.authorization).toBe(`Bearer ${upstreamKey}`);
    const message = (error as InstanceType<typeof OpenAI.AuthenticationError>).message;
    expect(message).toContain('Incorrect API key provided');
    expect(message).not.toContain(upstreamKey);
    const { rows } = await fx.exposed();
    expect(rows).toContain('Incorrect API key provided');
    expect(rows).not.toContain(upstreamKey);
  });

  it('a secret of another kind in an error body is redacted by the data-leak guard', async () => {
    const stray = 'ghp_' + 'Z'.repeat(36);
    fx.up.reply({ kind: 'error', status: 500, body: openAIError(`internal error while using token ${stray}`, 'server_error') });
    const error = await ask(fx.keys.openai.key).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(String((error as Error).message)).not.toContain(stray);
    expect((await fx.exposed()).rows).not.toContain(stray);
  });
});

describe('U6: answer headers', () => {
  it('a credential header, a cookie, an internal Location and Connection-listed headers in a 200 answer never reach the client', async () => {
    fx.up.reply({
      kind: 'raw',
      status: 200,
      headers: { 'content-type': 'application/json', 'x-goog-api-key': OPENAI_SECRET, authorization: `Bearer ${OPENAI_SECRET}`, 'x-api-key': OPENAI_SECRET, 'set-cookie': 'session=1', location: 'http://10.0.0.1/', connection: 'x-internal', 'x-internal': 'secret-hop' },
      body: JSON.stringify(completionBody({ kind: 'chat', content: 'ok' }, 'gpt-4o-mini')),
    });
    const response = await fetch(`${fx.origin}/v1/openai/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${fx.keys.openai.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }) });
    expect(response.status).toBe(200);
    for (const name of ['x-goog-api-key', 'authorization', 'x-api-key', 'set-cookie', 'location', 'x-internal']) expect(response.headers.get(name)).toBeNull();
    expect([...response.headers.values()].join(' ')).not.toContain(OPENAI_SECRET);
    expect((await response.json()).choices[0].message.content).toBe('ok');
  });
});

describe('F7: a request is judged on its bytes', () => {
  const keyWithInvalidByte = Buffer.concat([Buffer.from('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"my key is sk-proj-'), Buffer.from([0xff]), Buffer.from('AbCdEfGhIjKlMnOpQrStUvWxYz0123456789T3BlbkFJabcdefghijklmnopqrst"}]}')]);

  it('a body with invalid UTF-8 (here inside a key) is refused with a 400 in the provider shape; the upstream is never called', async () => {
    const response = await fetch(`${fx.origin}/v1/openai/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${fx.keys.openai.key}`, 'content-type': 'application/json' }, body: keyWithInvalidByte });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-should-retry')).toBe('false');
    expect(await response.json()).toMatchObject({ error: { message: 'The request body is not valid UTF-8.', type: 'invalid_request_error' } });
    expect(fx.upstreamHits()).toBe(0);
    expect((await fx.exposed()).rows).not.toContain('AbCdEfGhIjKlMnOp');
  });

  it('the same body in valid UTF-8 goes upstream with the key redacted', async () => {
    const valid = Buffer.from(keyWithInvalidByte.toString('latin1').replace('\xff', ''), 'latin1');
    fx.up.reply({ kind: 'chat', content: 'ok' });
    const response = await fetch(`${fx.origin}/v1/openai/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${fx.keys.openai.key}`, 'content-type': 'application/json' }, body: valid });
    expect(response.status).toBe(200);
    expect(fx.up.requests.at(-1)?.body).not.toContain('AbCdEfGhIjKlMnOp');
  });
});
