/**
 * An answer the proxy reads whole (JSON, an upstream error body) is bounded by
 * `limits.maxResponseBodyBytes`: at the limit it is judged and served; one byte over, a 502 in
 * the provider's shape, the upstream connection closed, and the row says why.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Proxy, createProxy, createProxyFetch } from '../../src/index.js';
import { auditRows } from '../helpers/proxy.js';
import { type RawUpstream, startRawStreamUpstream } from '../helpers/raw-stream-upstream.js';
import { completionBody } from '../upstream/openai-wire.js';

const LIMIT = 4096;
let up: RawUpstream;
let proxy: Proxy;
let client: OpenAI;

/** A chat completion padded with trailing whitespace (still JSON) to exactly `bytes` bytes. */
function answerOf(bytes: number): string {
  const json = JSON.stringify(completionBody({ kind: 'chat', content: 'Hello.' }, 'gpt-4o-mini'));
  return json + ' '.repeat(bytes - Buffer.byteLength(json));
}

beforeAll(async () => {
  up = await startRawStreamUpstream();
  // An upstream error body is read whole only when it is passed on: no retries here.
  proxy = createProxy({ providers: { openai: { baseUrl: `${up.url}/v1` } }, limits: { maxResponseBodyBytes: LIMIT }, upstream: { retries: { attempts: 0 } } });
  client = new OpenAI({ apiKey: 'sk-test', fetch: createProxyFetch(proxy), maxRetries: 0 });
});
afterAll(async () => {
  await proxy.close();
  await up.close();
});

describe('limits.maxResponseBodyBytes', () => {
  it('an answer of exactly the limit is served', async () => {
    up.reply({ headers: { 'content-type': 'application/json' }, steps: [answerOf(LIMIT)] });
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]?.message.content).toBe('Hello.');
  });

  it('one byte over: a 502 in the provider shape, and the row says why', async () => {
    up.reply({ headers: { 'content-type': 'application/json' }, steps: [answerOf(LIMIT + 1)] });
    const error = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((error as Error).message).toContain('limits.maxResponseBodyBytes');
    expect((await auditRows(proxy)).at(-1)).toMatchObject({ status: 502, outcome: 'upstream_error', error: expect.stringContaining('larger than the proxy reads whole') });
  });

  it('an upstream error body over the limit is not read whole either', async () => {
    up.reply({ status: 500, headers: { 'content-type': 'application/json' }, steps: [`{"error":{"message":"${'x'.repeat(LIMIT)}"}}`] });
    const error = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((caught: unknown) => caught);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
  });

  it('is validated: zero is refused, naming the field', () => {
    expect(() => createProxy({ limits: { maxResponseBodyBytes: 0 } })).toThrow(/limits\.maxResponseBodyBytes/);
  });
});
