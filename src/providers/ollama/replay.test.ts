/**
 * The golden fixtures replayed through the real proxy (`proxy.handle()`, the real forwarder and
 * stream inspection) from a scripted upstream that writes them in two pieces: the client must get
 * the very bytes the upstream sent, and the audit row the same answer, wherever the cut. Fixtures
 * up to 1 KiB are cut at every byte position; larger ones at every awkward one (inside and around
 * each multi-byte character, around each line end) and every 7th. The unit tests in
 * decode-stream.test.ts cut every fixture at every position, without the network.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaUpstream, type ScriptedOllama } from '../../../test/upstream/ollama.js';
import { createProxy, type Proxy } from '../../index.js';
import type { InteractionRecord } from '../../types.js';
import { fixture, STREAM_FIXTURES } from './__fixtures__/expected.js';

let up: ScriptedOllama;
let proxy: Proxy;

beforeAll(async () => {
  up = await startOllamaUpstream();
  // Byte for byte needs the streamed-answer data-leak guards off: they hold back text that could
  // still start a secret, which moves line boundaries. Equivalence with the guards on:
  // test/e2e/policy-data-leak-stream-more.test.ts.
  proxy = createProxy({ providers: { ollama: { baseUrl: up.url } }, audit: { bodies: false }, policies: { dataLeak: { secrets: 'off' } } });
});
afterAll(async () => {
  await proxy.close();
  await up.close();
});

const PATHS: Record<string, string> = { chat: '/ollama/api/chat', generate: '/ollama/api/generate', chat_completions: '/ollama/v1/chat/completions' };
const CONTENT_TYPES = { ndjson: 'application/x-ndjson', sse: 'text/event-stream' };

/** Where to cut `bytes`: everywhere when small; else around characters and line ends, and every 7th byte. */
function cutPositions(bytes: Buffer): number[] {
  const all = Array.from({ length: bytes.length - 1 }, (_, index) => index + 1);
  if (bytes.length <= 1024) return all;
  const awkward = (at: number) => bytes[at]! >= 0x80 || bytes[at - 1]! >= 0x80 || bytes[at - 1] === 0x0a || bytes[at] === 0x0a || bytes[at + 1] === 0x0a;
  return all.filter((at) => at % 7 === 0 || awkward(at));
}

/** Runs `task` over `items`, `width` at a time. */
async function inBatches<T, R>(items: T[], width: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let at = 0; at < items.length; at += width) results.push(...(await Promise.all(items.slice(at, at + width).map(task))));
  return results;
}

describe.each(STREAM_FIXTURES)('replay through the proxy: $file', (spec) => {
  const bytes = fixture(spec.file);
  const text = bytes.toString('utf8');

  it('cut in two anywhere: the client gets the same bytes; the audit row the same usage, model and outcome', { timeout: 60_000 }, async () => {
    // The client asks for usage itself, so the proxy has nothing to add to the OpenAI-compatible stream.
    const body = { model: spec.view.model, messages: [{ role: 'user', content: 'hi' }], prompt: 'hi', stream: true, stream_options: { include_usage: true } };
    const session = (at: number) => `${spec.file}@${at}`;
    const positions = cutPositions(bytes);
    expect(positions.some((at) => (bytes[at]! & 0xc0) === 0x80), 'a cut inside a multi-byte character').toBe(true);
    const outputs = await inBatches(positions, 24, async (at) => {
      const script = { kind: 'raw' as const, status: 200, headers: { 'content-type': CONTENT_TYPES[spec.format] }, body: bytes };
      up.replyOnce(script, { splitAt: [at] });
      const response = await proxy.handle(
        new Request(`http://proxy${PATHS[spec.operation]}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-archestra-session-id': session(at) }, body: JSON.stringify(body) }),
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(CONTENT_TYPES[spec.format]);
      return response.text();
    });
    const differing = outputs.flatMap((output, at) => (output === text ? [] : [at]));
    expect(differing, 'split positions whose output differs from the fixture').toEqual([]);

    await proxy.flush();
    const rows = new Map<string, InteractionRecord>();
    for (const row of await proxy.store.listInteractions({ limit: 100_000 })) if (row.sessionId) rows.set(row.sessionId, row);
    const expected = {
      provider: 'ollama',
      operation: spec.operation,
      stream: true,
      status: 200,
      outcome: spec.error ? 'upstream_error' : 'ok',
      error: spec.error,
      responseModel: spec.view.model,
      inputTokens: spec.view.usage.inputTokens,
      outputTokens: spec.view.usage.outputTokens,
    };
    for (const at of positions) {
      const row = rows.get(session(at));
      expect(row, `audit row for the cut at ${at}`).toMatchObject(expected);
    }
  });
});
