/**
 * U4: an upstream that never sends its headers is given up on after `upstream.headersTimeoutMs`:
 * the client gets a 504 in its provider's shape (not a hang), and the row records it.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { createProxy, createProxyFetch } from '../../src/index.js';
import { auditRows } from '../helpers/proxy.js';
import { startRawStreamUpstream } from '../helpers/raw-stream-upstream.js';

describe('U4: an upstream that never answers', () => {
  it('no headers within upstream.headersTimeoutMs: a 504 in the provider shape, the row says so', async () => {
    const hung = await startRawStreamUpstream();
    const quick = createProxy({ providers: { openai: { baseUrl: `${hung.url}/v1` } }, upstream: { headersTimeoutMs: 300 } });
    try {
      hung.reply({ headersDelayMs: 60_000, steps: [] });
      const sdk = new OpenAI({ apiKey: 'sk-test', fetch: createProxyFetch(quick), maxRetries: 0 });
      const error = await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((caught: unknown) => caught);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
      expect((await auditRows(quick)).at(-1)).toMatchObject({ status: 504, outcome: 'upstream_unreachable' });
    } finally {
      await quick.close();
      await hung.close();
    }
  });
});
